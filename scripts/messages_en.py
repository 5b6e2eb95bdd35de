"""Fill the English catalogues (django.po and the JavaScript one, djangojs.po): `make messages` runs makemessages
for both domains, then this, then compilemessages.

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

EN["、"] = ", "  # core.i18n.listed: the list separator of messages

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

# The messages an answer carries back (errors, refusals): zhijia/core/errors.py, the API's error handlers and its
# validation messages (zhijia/api.py), paging, ID and region checks (zhijia/core), sign-in (accounts), the union
# tree (orgs). Translated where they are raised; what is stored or sent (SMS, audit details) stays Chinese.
EN.update({
    # core.errors defaults and the API's handlers
    "对象不存在": "Not found", "没有权限执行此操作": "You are not allowed to do this",
    "系统繁忙，请稍后重试": "The system is busy; please try again shortly", "请先登录": "Please sign in first",
    "请求不正确": "The request is not valid", "%(field)s：%(message)s": "%(field)s: %(message)s",
    "此项必填": "This field is required", "应为文本": "Must be text", "应为整数": "Must be a whole number",
    "应为数字": "Must be a number", "应为是或否": "Must be true or false", "日期格式不正确": "Not a valid date",
    "时间格式不正确": "Not a valid date and time", "内容过长": "Too long", "内容过短": "Too short",
    "取值不在允许范围内": "Not one of the allowed values", "请求体不是合法的JSON": "The request body is not valid JSON",
    "数值过小": "Too small", "数值过大": "Too large", "取值不正确": "Not a valid value", "应为列表": "Must be a list",
    "格式不正确": "Not in the right format",
    # core: paging, ID numbers, phones, credit codes, regions, the working calendar
    "页码应从1开始": "The page number starts at 1",
    "每页条数应在1到%(max)s之间": "The page size must be between 1 and %(max)s",
    "请填写身份证号": "Please enter the ID card number",
    "身份证号应为18位（前17位数字，末位数字或X）":
        "The ID card number must have 18 characters (17 digits, then a digit or X)",
    "身份证号中的出生日期不存在": "The date of birth in the ID card number does not exist",
    "身份证号中的出生日期不合理": "The date of birth in the ID card number is not plausible",
    "身份证号校验位不正确": "The check character of the ID card number is wrong",
    "手机号应为11位大陆手机号码": "The mobile phone must be an 11-digit mainland China number",
    "统一社会信用代码应为18位，由数字和大写字母（不含I、O、S、V、Z）组成":
        "The unified social credit code must have 18 characters: digits and capital letters (no I, O, S, V or Z)",
    "统一社会信用代码校验位不符，请核对（部分早期代码属实但不符合校验规则）":
        "The check character of the unified social credit code does not match; please check it "
        "(some early codes are genuine but do not follow the check rule)",
    "行政区划代码应为6位或12位数字": "The administrative division code must have 6 or 12 digits",
    "行政区划代码 %(code)s 不存在": "The administrative division code %(code)s does not exist",
    "街道/乡镇代码 %(code)s 不存在": "The street/township code %(code)s does not exist",
    "%(year)s年节假日安排尚未录入，期限按周末及固定日期节日估算，仅供参考":
        "The %(year)s holiday schedule has not been entered yet; deadlines are estimated from weekends and "
        "fixed-date holidays, for reference only",
    # accounts: sign-in
    "请提供用户名和密码，或手机号和验证码": "Give a username and password, or a mobile phone and code",
    "登录失败次数过多，请%(minutes)s分钟后再试": "Too many failed sign-ins; try again in %(minutes)s minutes",
    "请输入用户名": "Please enter the username", "请输入密码": "Please enter the password",
    "用户名或密码错误": "Wrong username or password", "手机号格式不正确": "The mobile phone number is not valid",
    "验证码发送过于频繁，请1分钟后再试": "Codes are being sent too often; try again in 1 minute",
    "验证码错误或已过期": "The code is wrong or has expired",
    # orgs: the union tree
    "仅限工会工作人员": "Union staff only", "当前角色没有权限执行此操作": "Your role is not allowed to do this",
    "工会不存在": "Union not found", "该工会尚无建会记录": "This union has no founding record yet",
    "未知层级：%(value)s": "Unknown level: %(value)s", "未知类型：%(value)s": "Unknown type: %(value)s",
    "未知行业：%(value)s": "Unknown industry: %(value)s",
    "区域(行业)工会须注明所覆盖的行业": "A regional (industry) union must name the industry it covers",
    "该地区该层级已有总工会": "This region already has a federation at this level",
    "同一上级下已有同名工会": "A union with this name already exists under the same parent union",
    "请填写工会名称": "Please enter the union's name",
    "上级工会不存在或不在管辖范围内": "The parent union does not exist or is outside your scope",
    "字段 %(field)s 不可修改": "The field %(field)s cannot be changed",
    "新的上级工会不存在或不在管辖范围内": "The new parent union does not exist or is outside your scope",
    "不能移动自己所在的工会": "You cannot move your own union",
    "不能移到自身或下级工会之下（会形成环）":
        "A union cannot be moved under itself or a union below it (that would make a loop)",
    "新的上级下已有同名工会": "A union with this name already exists under the new parent union",
    "该工会已登记建会": "This union's founding is already recorded",
    "请填写首届工会主席": "Please enter the chair of the first committee",
    "任期应为1至5年": "The term must be 1 to 5 years",
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


# The JavaScript catalogue (djangojs.po, served at /jsi18n/): the text that zhijia/static/js/*.js writes into pages
# through gettext/interpolate. Kept apart from EN: the two catalogues are separate files.
JS_EN = {
    # appeals.js, care.js, wellbeing.js, members.js: picks and chart legends
    "已选择：%(name)s": "Selected: %(name)s", "响应率": "Response rate", "解决率": "Resolution rate",
    "满意率": "Satisfaction rate", "预算（元）": "Budget (yuan)", "已支出（元）": "Spent (yuan)",
    "困难职工档案": "Hardship files", "人次": "Attendances", "服务时长（小时）": "Service hours",
    "入会人数": "New members",
    # benefits.js: the countdown and the redemption scanner
    "距开始 %(d)s天 %(clock)s": "Starts in %(d)sd %(clock)s", "距开始 %(clock)s": "Starts in %(clock)s",
    "已识别：%(code)s": "Scanned: %(code)s",
    "此设备无法使用摄像头，请手动输入核销码。": "This device cannot use a camera; enter the redemption code by hand.",
    "正在扫描…": "Scanning…",
    "无法打开摄像头（未授权或不可用），请手动输入核销码。":
        "Cannot open the camera (not allowed or not available); enter the redemption code by hand.",
    # contests.js
    "时间到，正在交卷…": "Time is up; handing in your paper…",
    # members.js: the join page's location
    "此设备不支持定位，请手动选择所在区。": "This device cannot find its location; choose your district.",
    "正在定位…": "Finding your location…",
    "已获取位置，提交后将按位置确定所在区。": "Location found; your district will be set from it when you submit.",
    "未能获取位置，请手动选择所在区。": "Could not get your location; choose your district.",
    # members-scan.js: checking an e-card
    "有效": "Valid", "已注销": "Revoked", "已过期": "Expired", "被篡改或伪造": "Tampered with or forged",
    "签发密钥未知": "Unknown signing key", "不是会员卡": "Not a membership card",
    "离线验证未就绪：本机还没有公钥和注销名单（联网打开本页一次即可）。":
        "Offline check not ready: this device has no public key or revocation list yet "
        "(open this page once while online).",
    "离线验证已就绪：公钥 %(kids)s；注销名单版本 %(version)s（%(n)s 条），更新于 %(at)s。":
        "Offline check ready: public keys %(kids)s; revocation list version %(version)s (%(n)s revoked), "
        "updated %(at)s.",
    "、": ", ", "：": ": ", "无": "none",
    "本机没有公钥，无法离线验证": "No public key on this device, so it cannot check offline",
    "不是职工之家电子会员卡": "Not a Workers' Home e-membership card",
    "会员卡内容已损坏或被篡改": "The card's content is damaged or has been tampered with",
    "签发密钥未知或已停用": "The signing key is unknown or retired",
    "签名无效，会员卡被伪造或篡改": "Invalid signature: the card is forged or tampered with",
    "会员卡已注销（已补发新卡或已退会/转出）":
        "The card has been revoked (a new card was issued, or the member left or transferred out)",
    "会员卡已过期": "The card has expired", "有效会员卡": "A valid membership card",
    "会员编号：%(number)s（卡号 %(serial)s）": "Member no.: %(number)s (card %(serial)s)",
    "会员编号：%(number)s": "Member no.: %(number)s", "姓名：%(name)s": "Name: %(name)s",
    "工会：%(name)s": "Union: %(name)s", "有效期至：%(date)s": "Valid until: %(date)s",
    "验证方：服务器（实时注销名单，版本 %(version)s）":
        "Checked by: the server (live revocation list, version %(version)s)",
    "验证方：本机离线验证（Ed25519 %(engine)s，注销名单版本 %(version)s，更新于 %(at)s）":
        "Checked by: this device, offline (Ed25519 %(engine)s, revocation list version %(version)s, "
        "updated %(at)s)",
    "验证方：本机离线验证（Ed25519 %(engine)s，注销名单版本 %(version)s）":
        "Checked by: this device, offline (Ed25519 %(engine)s, revocation list version %(version)s)",
    "验证中…": "Checking…",
    "服务器连不上，已改用本机离线验证；联网后名单会自动更新。":
        "Cannot reach the server, so this device checked offline; the list updates itself once back online.",
    "此浏览器不能使用摄像头，请粘贴令牌验证。": "This browser cannot use a camera; paste the token to check it.",
    "请将会员卡二维码对准摄像头…": "Hold the card's QR code up to the camera…",
    "已识别二维码。": "QR code read.",
    "无法打开摄像头，请粘贴令牌验证。": "Cannot open the camera; paste the token to check it.",
    "本页已存入本机，断网时也能打开。": "This page is saved on this device and opens without a network too.",
    "此浏览器不能离线保存本页。": "This browser cannot save this page for offline use.",
    "当前离线。": "Offline now. ",
    # map_base.js, stations.js: distances, the station card, the search status, the coverage map
    "%(m)s 米": "%(m)s m", "%(km)s 公里": "%(km)s km", "现在开放": "Open now", "现在未开放": "Closed now",
    "距您 %(distance)s": "%(distance)s away", "电话 %(phone)s": "Phone %(phone)s",
    "高德地图导航": "Directions in Amap", "其他地图": "Other maps", "正在查找附近的站点…": "Finding stations nearby…",
    "查询失败": "The search failed", "离%(place)s最近的 %(n)s 个站点": "The %(n)s stations nearest to %(place)s",
    "附近没有符合条件的站点，试试减少筛选条件": "No matching stations nearby; try fewer filters",
    "我的位置": "My location", "网络不可用，请稍后重试": "No network; try again later",
    "%(name)s中心": "the centre of %(name)s", "使用%(name)s中心": "Using the centre of %(name)s",
    "无法定位，": "Cannot find your location. ", "无法获取定位，": "Could not get your location. ", "您": "you",
    "第%(rank)s名 · %(n)s 名职工": "No. %(rank)s · %(n)s workers", "%(name)s · %(n)s 人次": "%(name)s · %(n)s visits",
    # studios.js
    "领衔人 %(name)s（%(title)s）": "Led by %(name)s (%(title)s)", "领衔人 %(name)s": "Led by %(name)s",
    "领衔人 %(name)s · %(title)s": "Led by %(name)s · %(title)s",
    "地图数据加载失败": "The map data could not be loaded",
    "地图上共 %(n)s 个工作室（红：市级，蓝：区级）": "%(n)s studios on the map (red: municipal, blue: district)",
    "正在查找…": "Searching…", "%(where)s共 %(n)s 个创新工作室": "%(where)s: %(n)s innovation studios",
    "%(where)s暂无创新工作室": "%(where)s: no innovation studios yet",
    "无法定位，%(name)s中心附近": "Cannot find your location; near the centre of %(name)s",
    "离您最近的": "Nearest to you",
}


def _entry(block: str, table: dict[str, str]) -> str:
    """One catalogue entry with its English from table: the msgstr set, a fuzzy guess of makemessages dropped.
    A long msgid that makemessages wrapped over several lines is read whole."""
    match = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"(?:\n|$))+)', block, flags=re.M)
    msgid = "".join(re.findall(r'^"(.*)"$', match.group(1), flags=re.M)) if match else ""
    if msgid not in table:
        return block
    lines = [ln for ln in block[:match.start()].split("\n") if not ln.startswith("#|")]
    lines = [ln.replace("#, fuzzy, ", "#, ") for ln in lines if ln != "#, fuzzy"]
    tail = block[match.end():]
    newline = "\n" if match.group(0).endswith("\n") else ""
    return "\n".join(lines) + f'msgid "{msgid}"\nmsgstr "{table[msgid]}"' + newline + tail


def fill(path: Path) -> int:
    """Fill django.po from EN (appending NAV and COUNTERS), or djangojs.po from JS_EN."""
    js = path.name == "djangojs.po"
    table = JS_EN if js else EN
    text = path.read_text(encoding="utf-8").replace("#, fuzzy\n", "", 1)  # the header's
    # A new catalogue from makemessages may lack the blank line between the header and the first entry.
    text = re.sub(r'^(".*"\n)(?=#)', r"\1\n", text, flags=re.M)
    # The labels appended below are not in the sources, so makemessages marks them obsolete (#~) on each run:
    # drop those, or msgfmt finds them defined twice.
    appended = {} if js else NAV | COUNTERS
    blocks = [b for b in text.split("\n\n")
              if not (b.startswith("#~ msgid") and re.match(r'#~ msgid "(.*)"', b).group(1) in appended)]
    filled = [_entry(b, table) for b in blocks]
    count = sum(a != b for a, b in zip(blocks, filled, strict=True))
    text = "\n\n".join(filled)
    present = set(re.findall(r'^msgid "(.+)"$', text, flags=re.M))
    for labels, comment in (() if js else ((NAV, "navigation label (zhijia/*/apps.py)"),
                                           (COUNTERS, "console home counter (register_counter in zhijia/*/apps.py)"))):
        missing = [k for k in labels if k not in present]
        if missing:
            text = text.rstrip("\n") + "\n" + "".join(
                f'\n#. {comment}\nmsgid "{k}"\nmsgstr "{labels[k]}"\n' for k in missing)
            count += len(missing)
            present.update(missing)
    path.write_text(text, encoding="utf-8")
    return count


if __name__ == "__main__":
    catalogues = sys.argv[1:] or ["zhijia/locale/en/LC_MESSAGES/django.po", "zhijia/locale/en/LC_MESSAGES/djangojs.po"]
    for po in map(Path, catalogues):
        print(f"{fill(po)} messages translated in {po}")
