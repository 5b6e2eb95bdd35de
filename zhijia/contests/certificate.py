"""The contest certificate (荣誉证书): its wording; the drawing is zhijia.core.certificates."""

from __future__ import annotations

from django.urls import reverse

from zhijia.contests.models import Certificate
from zhijia.core.certificates import CertificateText, certificate_pdf


def contest_certificate_pdf(cert: Certificate, *, request=None) -> bytes:
    entry, contest = cert.entry, cert.entry.contest
    path = reverse("contests:verify") + f"?number={cert.number}"
    url = request.build_absolute_uri(path) if request is not None else path
    return certificate_pdf(CertificateText(
        title="荣誉证书",
        body=[f"{entry.worker.name} 同志（{entry.union.name}，参赛编号 {entry.number:05d}）：",
              f"在{contest.title}决赛中",
              f"荣获{cert.award}。" if cert.award.startswith("第") else f"成绩优异，评为{cert.award}。",
              "",
              "特发此证，以资鼓励。"],
        body_size=16,
        issuer=contest.union.name,
        issued_on=cert.issued_on,
        number=cert.number,
        verify_url=url,
    ))
