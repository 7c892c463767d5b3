#!/usr/bin/env bash
# A real two-server deployment on loopback, started and stopped here: PostgreSQL,
# Redis, two gunicorn servers (deploy/gunicorn.conf.py) and nginx over TLS with the
# site configuration of deploy/nginx/yuecheng.conf. It checks the production settings
# (check --deploy), the health probe, the http→https redirect, then logs in through
# nginx, submits a return on one server and sees it, with no stale cache, on the other.
# Needs postgresql, redis-server, nginx and openssl (`.ci/run` installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

work=$(mktemp -d)
chmod 755 "$work"
pids=()
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  as_postgres "$PG_BIN/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for URL: until something answers (any HTTP status)
  "$BIN/python" - "$1" <<'PY'
import ssl, sys, time, urllib.error, urllib.request
context = ssl._create_unverified_context()
for _ in range(150):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2, context=context)
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(f"nothing answered {sys.argv[1]}")
PY
}

pg_port=$(port); redis_port=$(port); a=$(port); b=$(port); http=$(port); https=$(port)

echo "== smoke: PostgreSQL and Redis"
mkdir "$work/pg-socket"
[ "$(id -u)" -eq 0 ] && chown postgres "$work" "$work/pg-socket"
as_postgres "$PG_BIN/initdb" -D "$work/pg" -U postgres --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $work/pg-socket -c fsync=off" start >/dev/null
as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres yuecheng
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
  >"$work/redis.log" 2>&1 &
pids+=($!)

export DEBUG=0 SECRET_KEY="smoke-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/yuecheng"
export CACHE_URL="redis://127.0.0.1:$redis_port/0"
export ALLOWED_HOSTS=127.0.0.1 CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$https"
export PROXY_COUNT=1 SSL_REDIRECT=1 HSTS_SECONDS=3600 HSTS_INCLUDE_SUBDOMAINS=1
export EMAIL_HOST=127.0.0.1 MEDIA_ROOT="$work/media" STATIC_ROOT="$work/static"
export GUNICORN_WORKERS=2 LOG_LEVEL=WARNING

echo "== smoke: production settings pass check --deploy"
"$BIN/python" manage.py check --deploy --fail-level WARNING
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py load_plan >/dev/null
password="smoke-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$password" | "$BIN/python" manage.py add_user smoke --role admin --unit 区建设局 \
  --password-stdin >/dev/null
unit_id=$("$BIN/python" manage.py shell --no-imports -c \
  "from units.models import Unit; print(Unit.objects.get(name='区建设局').pk)")
"$BIN/python" manage.py collectstatic --noinput -v0

echo "== smoke: two gunicorn servers behind nginx"
for bind in "$a" "$b"; do
  GUNICORN_BIND="127.0.0.1:$bind" "$BIN/gunicorn" -c deploy/gunicorn.conf.py \
    >"$work/gunicorn-$bind.log" 2>&1 &
  pids+=($!)
done
# The background worker, as deploy/systemd/yuecheng-worker.service runs it.
"$BIN/python" manage.py db_worker --no-reload -v0 >"$work/worker.log" 2>&1 &
pids+=($!)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
# The production site file, pointed at loopback; it also says which server answered.
sed -e "s|server 10.0.0.11:8001|server 127.0.0.1:$a|" \
    -e "s|server 10.0.0.12:8001|server 127.0.0.1:$b|" \
    -e "s|listen 80;|listen 127.0.0.1:$http;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https ssl;|" \
    -e "s|server_name zhuyouyiju.example.gov.cn;|server_name 127.0.0.1;|" \
    -e "s|/etc/ssl/yuecheng/fullchain.pem|$work/cert.pem|" \
    -e "s|/etc/ssl/yuecheng/privkey.pem|$work/key.pem|" \
    -e "s|proxy_redirect off;|proxy_redirect off; add_header X-Upstream \$upstream_addr always;|" \
    deploy/nginx/yuecheng.conf >"$work/site.conf"
mkdir -m 777 "$work/nginx-tmp"
cat >"$work/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path $work/nginx-tmp/body;
  proxy_temp_path $work/nginx-tmp/proxy;
  fastcgi_temp_path $work/nginx-tmp/fastcgi;
  uwsgi_temp_path $work/nginx-tmp/uwsgi;
  scgi_temp_path $work/nginx-tmp/scgi;
  include $work/site.conf;
}
EOF
nginx -p "$work" -c "$work/nginx.conf" &
pids+=($!)
wait_for "http://127.0.0.1:$a/healthz/"
wait_for "http://127.0.0.1:$b/healthz/"
wait_for "https://127.0.0.1:$https/healthz/"

echo "== smoke: health probe and https redirect"
"$BIN/python" - "$http" <<'PY'
import json, sys, urllib.error, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
with urllib.request.urlopen(base + "/healthz/?format=json") as response:
    checks = json.load(response)
assert response.status == 200 and checks and set(checks.values()) == {"OK"}, checks
print("healthz:", checks)

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None

try:
    urllib.request.build_opener(NoRedirect).open(base + "/accounts/login/")
    sys.exit("FAIL: http was served without a redirect")
except urllib.error.HTTPError as e:
    assert e.code == 301 and e.headers["Location"].startswith("https://"), e.code
print("http redirects to https")

# The API schema documents a 414 that no view sends: nginx refuses a request line
# longer than its buffers before it reaches gunicorn.
try:
    urllib.request.urlopen(base + "/api/v1/ranking/?" + "year=2024&" * 2000)
    sys.exit("FAIL: a 20 KB request line was served")
except urllib.error.HTTPError as e:
    assert e.code == 414, e.code
print("a 20 KB request line is a 414")
PY

echo "== smoke: log in, submit on one server, read on the other, import via the worker"
"$BIN/python" deploy/smoke_client.py "https://127.0.0.1:$https" smoke "$password" "$unit_id"
echo "== smoke: the heavy pages worked out ahead in Redis, as yuecheng-warm.timer runs it"
warmed=$("$BIN/python" manage.py warm_pages)
echo "$warmed"
case "$warmed" in 已就绪：*驾驶舱*) ;; *) echo "FAIL: warm_pages warmed nothing"; exit 1 ;; esac
if grep -q "Traceback" "$work"/gunicorn-*.log "$work/worker.log"; then
  echo "== smoke: a server logged an error"
  cat "$work"/gunicorn-*.log "$work/worker.log"; exit 1
fi
echo "== smoke passed"
