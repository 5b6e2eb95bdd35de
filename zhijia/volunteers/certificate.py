"""The certificate of volunteer hours (志愿服务时长证明): its wording; the drawing is zhijia.core.certificates."""

from __future__ import annotations

from django.utils import timezone

from zhijia.core.certificates import CertificateText
from zhijia.core.certificates import certificate_pdf as draw_certificate


def certificate_pdf(cert: dict) -> bytes:
    volunteer = cert["volunteer"]
    details = []
    for shift in cert["shifts"]:
        d = shift.deployment
        start = timezone.localtime(shift.signed_in_at)
        details.append(f"{start:%Y-%m-%d}  第{d.batch}批  {d.title}  {d.place}  {shift.hours}小时")
    return draw_certificate(CertificateText(
        title="志愿服务时长证明",
        body=[f"兹证明 {volunteer.worker.name} 同志为{volunteer.union.name}志愿者，",
              f"累计参加志愿服务 {cert['person_times']} 人次，服务时长 {cert['hours']} 小时。",
              "",
              "服务记录："],
        details=details,
        issuer=volunteer.union.name,
        issued_on=timezone.localdate(),
    ))
