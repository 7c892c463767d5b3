"""A .docx turned into a PDF by LibreOffice (headless), where it is installed."""

import shutil
import subprocess
import tempfile
from pathlib import Path

UNAVAILABLE = (
    "服务器未安装 LibreOffice（libreoffice-writer-nogui），暂不能生成 PDF，"
    "请下载 Word 版。"
)


def soffice() -> str | None:
    return shutil.which("soffice")


def docx_to_pdf(content: bytes, *, timeout: int = 120) -> bytes | None:
    """Return the PDF of a .docx, or None where LibreOffice is not installed.

    Each conversion has its own LibreOffice profile: two at once would otherwise
    lock each other out of the shared one.
    """
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory(prefix="notice-pdf-") as tmp:
        folder = Path(tmp)
        source = folder / "notice.docx"
        source.write_bytes(content)
        # Without Writer (Calc alone installed) soffice cannot read a .docx.
        completed = subprocess.run(
            [
                program,
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--writer",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(folder),
                str(source),
            ],
            check=False,
            capture_output=True,
            timeout=timeout,
            env={"HOME": str(folder), "PATH": "/usr/bin:/bin"},
        )
        result = folder / "notice.pdf"
        if completed.returncode != 0 or not result.exists():
            return None
        return result.read_bytes()
