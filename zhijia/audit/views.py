from django.core.paginator import Paginator
from django.shortcuts import render

from zhijia.audit.models import Action
from zhijia.audit.selectors import audit_event_list
from zhijia.core.views_support import staff_page


@staff_page
def audit_list(request):
    action = request.GET.get("action") or None
    events = Paginator(audit_event_list(user=request.user, action=action), 50).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"events": events, "actions": Action.choices, "action": action})
