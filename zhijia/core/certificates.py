"""Certificates as PDF (证书/证明): one drawing shared by every subsystem that hands one out (volunteer hours,
contest awards). reportlab's built-in Chinese CID font, so there is no font file to ship.

A certificate is a title, a few body lines, optional detail lines (paged when they run long), the issuing union and
date, and optionally a number with a QR code pointing at the page where anyone can verify it.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
RED = (0.78, 0.06, 0.18)


@dataclass
class CertificateText:
    title: str
    body: Sequence[str]
    issuer: str
    issued_on: dt.date
    details: Sequence[str] = field(default_factory=tuple)
    number: str = ""
    verify_url: str = ""
    body_size: float = 13


def _qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    import segno

    qr = segno.make(url, error="m")
    matrix = list(qr.matrix)
    cell = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def certificate_pdf(text: CertificateText) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle(text.title)
    width, height = A4
    pdf.setStrokeColorRGB(*RED)
    pdf.setLineWidth(3)
    pdf.rect(36, 36, width - 72, height - 72)
    pdf.setFont(FONT, 26)
    pdf.drawCentredString(width / 2, height - 110, text.title)
    pdf.setFont(FONT, text.body_size)
    y = height - 170
    for line in text.body:
        pdf.drawString(72, y, line)
        y -= text.body_size * 1.85
    pdf.setFont(FONT, 10.5)
    for line in text.details:
        pdf.drawString(84, y, line)
        y -= 18
        if y < 140:
            pdf.showPage()
            pdf.setFont(FONT, 10.5)
            y = height - 72
    pdf.setFont(FONT, 12)
    pdf.drawRightString(width - 72, 110, text.issuer)
    pdf.drawRightString(width - 72, 88, f"{text.issued_on:%Y年%m月%d日}")
    if text.number:
        pdf.setFont(FONT, 10)
        pdf.drawString(72, 88, f"证书编号：{text.number}")
        if text.verify_url:
            _qr(pdf, text.verify_url, 72, 104, 72)
            pdf.setFont(FONT, 8)
            pdf.drawString(150, 108, "扫码或凭编号核验真伪")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
