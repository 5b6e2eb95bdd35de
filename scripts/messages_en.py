"""Fill the English catalogue: `make messages` runs makemessages, then this, then compilemessages.

Chinese is the source language (msgids are Chinese); this file holds the English for each.
"""

import re
import sys
from pathlib import Path

EN = {
    "登录": "Sign in", "工作人员登录": "Staff sign-in", "用户名": "Username", "密码": "Password",
    "职工请用手机号登录": "Workers sign in with their phone", "职工之家 · 登录": "Workers' Home · Sign in",
    "验证码已发送，5分钟内有效。": "Code sent; valid for 5 minutes.", "手机号": "Mobile phone", "验证码": "Code",
    "获取验证码": "Send code", "用账号密码登录（演示账号）": "Sign in with username and password (demo accounts)",
    "账号": "Account", "工作台": "Console", "退出": "Sign out", "子系统": "Subsystems", "您好": "Hello",
    "您还不是工会会员。想入能入，应入尽入。": "You are not a union member yet. Everyone who wants to join can.",
    "服务即将开放。": "Services are coming soon.", "退出登录": "Sign out", "首页": "Home",
    "您的管辖范围：%(name)s及其全部下级组织。": "Your scope: %(name)s and every union below it.",
    "浏览组织架构": "Browse the union tree", "导航": "Navigation", "组织架构": "Union tree", "审计日志": "Audit log",
    "工会组织": "Unions", "在会会员": "Members",
}

# The subsystems' navigation labels (each app registers them in its AppConfig.ready, in Chinese; the context
# processor translates them). makemessages does not see them, so fill() appends any that the catalogue lacks.
NAV = {
    "会员": "Members", "入会": "Join the union", "会员卡": "Membership card", "接诉即办": "Appeals",
    "热线受理": "Hotline intake", "三率考核": "Appeal rates", "消息": "Messages", "我的诉求": "My appeals",
    "我要反映": "Raise an appeal", "服务站点": "Service stations", "找驿站": "Find a station",
    "普惠服务": "Benefits", "扫码核销": "Redeem by scan", "普惠抢票": "Benefits", "我的领取": "My claims",
    "送温暖": "Warmth campaigns", "困难职工": "Hardship files", "互助保障": "Mutual aid", "关爱": "Care",
    "心理关爱": "Wellbeing", "心灵驿站": "Mind station", "志愿服务": "Volunteers", "创新工作室": "Innovation studios",
    "运动挑战赛": "Sports challenge", "技能大赛": "Skill contests", "评选表彰": "Selections and honours",
    "评选投票": "Vote in selections", "我的荣誉": "My honours",
}
EN.update(NAV)

# The pages of the union tree, the audit log, sign-in, errors and paging (zhijia/templates/, zhijia/orgs|core/*.py),
# and the choice labels of orgs, audit and accounts (marked with gettext_noop, translated where they are shown).
EN.update({
    "职工之家": "Workers' Home", "仅限工会工作人员访问": "Union staff only", "无法完成": "Could not be done",
    "返回": "Back", "上一页": "Previous", "下一页": "Next", "第 %(n)s / %(total)s 页": "Page %(n)s of %(total)s",
    "会员编号 %(number)s": "Member no. %(number)s", "：": ": ",
    # accounts.Role
    "市总管理员": "City federation admin", "区总工作人员": "District federation staff",
    "基层工会干部": "Grassroots union officer", "12351坐席": "12351 hotline agent", "评审专家": "Expert reviewer",
    "职工": "Worker",
    # audit.Action and the audit log
    "新建": "Create", "修改": "Update", "移动": "Move", "删除": "Delete", "查看个人信息": "View personal data",
    "导出": "Export", "登录失败": "Sign-in failed", "审批通过": "Approve", "驳回": "Reject", "导入": "Import",
    "其他": "Other", "全部操作": "All actions", "筛选": "Filter", "时间": "Time", "操作人": "By", "操作": "Action",
    "对象": "Object", "暂无记录": "No records yet",
    # orgs: Level, Kind, Occupation, CommitteeRole
    "全国": "National", "省级": "Provincial", "市级": "Municipal", "区县": "District", "街道": "Street",
    "乡镇": "Township", "社区(村)": "Community (village)", "基层": "Grassroots",
    "总工会": "Federation of trade unions",
    "园区工会": "Park union", "区域(行业)工会": "Regional (industry) union",
    "社区(村)工会": "Community (village) union",
    "企业工会": "Enterprise union", "产业工会": "Industrial union", "快递员": "Courier",
    "外卖配送员": "Food delivery rider", "网约车司机": "Ride-hailing driver", "货车司机": "Truck driver",
    "主席": "Chair", "副主席": "Vice-chair", "委员": "Committee member",
    # orgs pages and messages
    "已新建 %(name)s": "Created %(name)s", "已将 %(name)s 连同下级移动": "Moved %(name)s with all unions below it",
    "请填写建会日期（年-月-日）": "Enter the founding date (year-month-day)",
    "任期应为整数年": "The term must be a whole number of years",
    "建会日期格式不正确": "The founding date is not valid",
    "已登记建会": "Founding recorded", "展开 %(name)s": "Expand %(name)s", "无下级组织": "No unions below",
    "在「%(name)s」下新建工会": "New union under %(name)s", "名称": "Name", "层级": "Level", "类型": "Type",
    "行业（区域行业工会）": "Industry (regional industry unions)",
    "行政区划代码（6位或12位）": "Administrative division code (6 or 12 digits)",
    "统一社会信用代码（企业工会）": "Unified social credit code (enterprise unions)", "地址": "Address",
    "工会主席": "Union chair", "联系人": "Contact", "联系电话": "Contact phone",
    "登记建会（首届委员会）": "Record the founding (first committee)", "建会日期": "Founded on",
    "任期（年）": "Term (years)", "副主席（以顿号、分隔）": "Vice-chairs (separated by 、)",
    "委员（以顿号、分隔）": "Committee members (separated by 、)", "说明": "Note", "登记": "Record",
    "移动「%(name)s」（连同全部下级）": "Move %(name)s (with all unions below it)",
    "新的上级工会编号": "ID of the new parent union",
    "编号见组织架构或导出表。不能移到自身或其下级之下。":
        "Find the ID in the union tree or the export. A union cannot move under itself or a union below it.",
    "导出Excel": "Export to Excel", "行政区划代码": "Administrative division code",
    "Y年n月j日": "M j, Y", "下级组织（含各级）": "Unions below (all levels)",
    "%(on)s建会，首届委员会任期%(years)s年（至%(until)s）。":
        "Founded on %(on)s; the first committee serves %(years)s years (until %(until)s).",
    "建会": "Founding", "新建下级工会": "New union below", "移动到其他上级": "Move under another union",
    "登记建会": "Record the founding", "直属下级（%(n)s）": "Directly below (%(n)s)", "区划代码": "Division code",
    "按名称搜索工会": "Search unions by name", "搜索": "Search", "搜索结果（%(n)s）": "Search results (%(n)s)",
    "没有找到": "Nothing found",
})

# The console home's counters (each app registers one in its AppConfig.ready, in Chinese; console_home.html
# translates them). makemessages does not see them, so fill() appends any that the catalogue lacks.
COUNTERS = {
    "挑战赛参赛人数": "Challenge participants", "开放站点": "Open stations", "逾期整改": "Overdue fixes",
    "普惠活动": "Benefit offers", "待确认心理危机预警": "Crisis alerts to confirm", "在办诉求": "Open appeals",
    "创新工作室": "Innovation studios", "在档困难职工": "Hardship files open",
    "待审互助理赔": "Mutual aid claims to review",
    "待审核入会申请": "Join applications to review", "待复核投票": "Votes to re-check",
    "志愿服务人次": "Volunteer attendances", "技能大赛报名人数": "Skill contest entries",
}
EN.update(COUNTERS)


def _entry(block: str) -> str:
    """One catalogue entry with its English from EN: the msgstr set, a fuzzy guess of makemessages dropped.
    A long msgid that makemessages wrapped over several lines is read whole."""
    match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"(?:\n|$))+)', block, flags=re.M)
    msgid = "".join(re.findall(r'^"(.*)"$', match.group(1), flags=re.M)) if match else ""
    if msgid not in EN:
        return block
    lines = [ln for ln in block[:match.start()].split("\n") if not ln.startswith("#|")]
    lines = [ln.replace("#, fuzzy, ", "#, ") for ln in lines if ln != "#, fuzzy"]
    tail = block[match.end():]
    newline = "\n" if match.group(0).endswith("\n") else ""
    return "\n".join(lines) + f'msgid "{msgid}"\nmsgstr "{EN[msgid]}"' + newline + tail


def fill(path: Path) -> int:
    text = path.read_text(encoding="utf-8").replace("#, fuzzy\n", "", 1)  # the header's
    # The labels appended below are not in the sources, so makemessages marks them obsolete (#~) on each run:
    # drop those, or msgfmt finds them defined twice.
    appended = NAV | COUNTERS
    blocks = [b for b in text.split("\n\n")
              if not (b.startswith("#~ msgid") and re.match(r'#~ msgid "(.*)"', b).group(1) in appended)]
    filled = [_entry(b) for b in blocks]
    count = sum(a != b for a, b in zip(blocks, filled, strict=True))
    text = "\n\n".join(filled)
    present = set(re.findall(r'^msgid "(.+)"$', text, flags=re.M))
    for labels, comment in ((NAV, "navigation label (zhijia/*/apps.py)"),
                            (COUNTERS, "console home counter (register_counter in zhijia/*/apps.py)")):
        missing = [k for k in labels if k not in present]
        if missing:
            text = text.rstrip("\n") + "\n" + "".join(
                f'\n#. {comment}\nmsgid "{k}"\nmsgstr "{labels[k]}"\n' for k in missing)
            count += len(missing)
            present.update(missing)
    path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    po = Path(sys.argv[1] if len(sys.argv) > 1 else "zhijia/locale/en/LC_MESSAGES/django.po")
    print(f"{fill(po)} messages translated in {po}")
