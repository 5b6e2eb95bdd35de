"""The certificate of volunteer hours (志愿服务时长证明) as a PDF, drawn with reportlab's built-in Chinese CID font
(no font file to ship)."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_pdf(cert: dict) -> bytes:
    volunteer = cert["volunteer"]
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setTitle("志愿服务时长证明")
    width, height = A4
    pdf.setStrokeColorRGB(0.78, 0.06, 0.18)
    pdf.setLineWidth(3)
    pdf.rect(36, 36, width - 72, height - 72)
    pdf.setFont(FONT, 26)
    pdf.drawCentredString(width / 2, height - 110, "志愿服务时长证明")
    pdf.setFont(FONT, 13)
    y = height - 170
    lines = [
        f"兹证明 {volunteer.worker.name} 同志为{volunteer.union.name}志愿者，",
        f"累计参加志愿服务 {cert['person_times']} 人次，服务时长 {cert['hours']} 小时。",
        "",
        "服务记录：",
    ]
    for line in lines:
        pdf.drawString(72, y, line)
        y -= 24
    pdf.setFont(FONT, 10.5)
    for shift in cert["shifts"]:
        d = shift.deployment
        start = timezone.localtime(shift.signed_in_at)
        pdf.drawString(84, y, f"{start:%Y-%m-%d}  第{d.batch}批  {d.title}  {d.place}  {shift.hours}小时")
        y -= 18
        if y < 140:
            pdf.showPage()
            pdf.setFont(FONT, 10.5)
            y = height - 72
    pdf.setFont(FONT, 12)
    pdf.drawRightString(width - 72, 110, volunteer.union.name)
    pdf.drawRightString(width - 72, 88, f"{timezone.localdate():%Y年%m月%d日}")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
