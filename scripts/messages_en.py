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


def fill(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    count = 0

    def sub(match: re.Match) -> str:
        nonlocal count
        msgid = match.group(1)
        if msgid in EN:
            count += 1
            return f'msgid "{msgid}"\nmsgstr "{EN[msgid]}"'
        return match.group(0)

    text = re.sub(r'msgid "(.+)"\nmsgstr ""', sub, text)
    text = text.replace("#, fuzzy\n", "", 1)
    present = set(re.findall(r'^msgid "(.+)"$', text, flags=re.M))
    missing = [k for k in NAV if k not in present]
    if missing:
        text = text.rstrip("\n") + "\n" + "".join(
            f'\n#. navigation label (zhijia/*/apps.py)\nmsgid "{k}"\nmsgstr "{NAV[k]}"\n' for k in missing)
        count += len(missing)
    path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    po = Path(sys.argv[1] if len(sys.argv) > 1 else "zhijia/locale/en/LC_MESSAGES/django.po")
    print(f"{fill(po)} messages translated in {po}")
