# ruff: noqa: E501 - long Chinese text lines in the demo content
"""The demo's public content: issuing authorities, policies with their interpretations, news.

Figures come from the source article (see ../shared/DOMAIN.md): 205 approval items cut to 196,
24,051 applications received and completed, 4,520 company set-ups, 3,712 changes, 1,735 done on
the spot, 577 joint site inspections, 21,232 hotline calls, over 30 % of items online, company
set-up in one working day. Bodies are StreamField data built with the helpers below; rich text
goes through `cms.richtext.sanitise` when the pages are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date


def p(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def h(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"text": text, "level": level}}


def figures(*rows: tuple[str, str, str, str]) -> dict:
    return {
        "type": "figures",
        "value": [
            {"type": "item", "value": {"value": v, "unit": u, "label": label, "note": note}}
            for v, u, label, note in rows
        ],
    }


def steps(*rows: tuple[str, str]) -> dict:
    return {
        "type": "steps",
        "value": [{"type": "item", "value": {"title": t, "text": text}} for t, text in rows],
    }


def questions(*rows: tuple[str, str]) -> dict:
    return {
        "type": "questions",
        "value": [{"type": "item", "value": {"question": q, "answer": a}} for q, a in rows],
    }


def notice(html: str, kind: str = "info") -> dict:
    return {"type": "notice", "value": {"kind": kind, "text": html}}


def quote(text: str, source: str = "") -> dict:
    return {"type": "quote", "value": {"text": text, "source": source}}


# key -> (name, English name)
AUTHORITIES = {
    "gov": ("区人民政府", "District People's Government"),
    "office": ("区人民政府办公室", "General Office of the District People's Government"),
    "approval": ("区行政审批局", "District Administrative Approval Bureau"),
    "drc": ("区发展和改革委员会", "District Development and Reform Commission"),
    "commerce": ("区商务委员会", "District Commerce Commission"),
    "finance": ("区财政局", "District Finance Bureau"),
}

# The home page's public figures: (value, unit, label, note), Chinese and English.
HOME_FIGURES_ZH = [
    ("24,051", "件", "受理办件", "全部办结，办结率100%"),
    ("4,520", "户", "企业设立登记", "企业开办一个工作日办结"),
    ("1,735", "件", "即来即办", "当场办结"),
    ("577", "次", "现场联合踏勘", "多部门同时到场"),
    ("21,232", "个", "服务热线来电", "件件有回音"),
    ("196", "项", "区级审批事项", "由205项精简"),
]
HOME_FIGURES_EN = [
    ("24,051", "", "applications received", "all completed (100 %)"),
    ("4,520", "", "company set-ups", "in one working day"),
    ("1,735", "", "done on the spot", "completed while you wait"),
    ("577", "", "joint site inspections", "departments on site together"),
    ("21,232", "", "hotline calls", "every one answered"),
    ("196", "", "approval items", "cut from 205"),
]
HOME_FIGURES_NOTE_ZH = "统计期间：服务开展以来一个年度。数据来源：区行政审批局。"
HOME_FIGURES_NOTE_EN = "One year of service. Source: District Administrative Approval Bureau."
HOME_DESCRIPTION_ZH = (
    "区行政审批局重大项目服务平台：政策文件、政策解读、办事指南和审批进度，"
    "重大投资项目超前介入、全程帮办。"
)
HOME_DESCRIPTION_EN = (
    "Policies, interpretations, approval guides and approval progress for major investment "
    "projects, from the District Administrative Approval Bureau."
)
POLICY_INDEX = {
    "zh": {
        "title": "政策文件",
        "intro": "<p>本区现行有效及已废止、失效的政策文件，包括投资促进、审批制度改革和惠企政策。"
        "可按发文机关、主题、年份和效力状态筛选。</p>",
        "search_description": "区政策文件库：投资促进、审批制度改革、惠企政策，含政策解读。",
    },
    "en": {
        "title": "Policies",
        "intro": "<p>The district's policy documents on investment, approval reform and enterprise "
        "support, in force or repealed. Filter them by issuing authority, topic, year and "
        "status.</p>",
        "search_description": "The district's policy library: investment, approval reform and "
        "enterprise support, with interpretations.",
    },
}
NEWS_INDEX = {
    "zh": {
        "title": "新闻动态",
        "intro": "<p>区行政审批局工作动态与重大项目服务进展。</p>",
        "search_description": "区行政审批局新闻动态。",
    },
    "en": {
        "title": "News",
        "intro": "<p>News of the bureau and of the major projects it serves.</p>",
        "search_description": "News of the District Administrative Approval Bureau.",
    },
}


@dataclass(frozen=True)
class Text:
    title: str
    summary: str
    body: list = field(default_factory=list)
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicySpec:
    slug: str
    authority: str
    classification: str
    document_number: str
    index_number: str
    date_written: date
    published_on: date
    zh: Text
    en: Text | None = None
    effective_from: date | None = None
    expires_on: date | None = None
    repealed_on: date | None = None
    items: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # keys of ATTACHMENTS


@dataclass(frozen=True)
class InterpretationSpec:
    policy: str
    slug: str
    kind: str
    source: str
    published_on: date
    zh: Text
    en: Text | None = None
    source_en: str = ""


@dataclass(frozen=True)
class NewsSpec:
    slug: str
    date: date
    source: str
    zh: Text
    en: Text | None = None
    source_en: str = ""


# Attachments, generated as spreadsheets from the demo catalogue: key -> (title, file name).
ATTACHMENTS = {
    "catalogue": ("附件：重大项目常用审批事项清单", "major-project-approval-items.xlsx"),
    "non_key": ("附件：可容缺受理的非要件材料清单", "materials-to-supplement-later.xlsx"),
}

POLICIES = [
    PolicySpec(
        slug="investment-environment-measures",
        authority="gov",
        classification="economy",
        document_number="区政发〔2025〕6号",
        index_number="11120111MB1A01001X/2025-00006",
        date_written=date(2025, 3, 10),
        published_on=date(2025, 3, 14),
        items=("DRC-01", "DRC-02", "PNR-01", "HUR-01"),
        related=("major-project-helper-service", "parallel-approval-time-limits"),
        zh=Text(
            "关于进一步优化营商环境促进重大投资项目落地的若干措施",
            "围绕项目洽谈、审批、建设、投产全周期，提出超前介入、帮办代办、并联审批、"
            "限时办结和全程督办等十二条措施，推动重大投资项目早开工、早达产。",
            [
                p(
                    "<p>为深入推进“放管服”改革，持续优化营商环境，加快重大投资项目落地，"
                    "结合本区实际，制定以下措施。</p>"
                ),
                h("一、超前介入，项目洽谈即登记入库"),
                p(
                    "<p>对意向投资额较大或列入区重点项目计划的项目，在洽谈阶段即登记入库，"
                    "由区行政审批局重大项目服务组牵头，会同相关部门提前研究审批路径，"
                    "形成项目审批事项清单，一次性告知项目单位。</p>"
                ),
                h("二、全程帮办，指定帮办员一对一服务"),
                p(
                    "<p>每个重大项目指定一名帮办员和一名领办领导，帮办员作为首问责任人，"
                    "负责与各审批部门沟通协调，代办跑办审批事项，做到“企业谈、政府跑”。</p>"
                ),
                h("三、并联审批，限时办结"),
                p(
                    "<p>企业投资项目备案、用地预审与选址、建设用地规划许可、建设工程规划许可、"
                    "施工许可等事项实行并联审批。各部门在承诺时限内办结，承诺时限原则上不超过"
                    "法定时限的一半，按工作日计算。</p>"
                ),
                h("四、现场服务与联合踏勘"),
                p(
                    "<p>对需要现场踏勘的事项，由重大项目服务组统一组织相关部门同时到现场联合踏勘，"
                    "一次完成，当场提出意见。</p>"
                ),
                h("五、全程督办"),
                p(
                    "<p>重大项目服务组对审批事项逐项跟踪，对临近承诺时限的事项提前提醒，"
                    "对超期事项提请项目推动联席会议督办。</p>"
                ),
                notice("<p>本措施自发布之日起施行，由区行政审批局负责解释。</p>"),
            ],
            ("营商环境", "投资促进", "重大项目"),
        ),
        en=Text(
            "Measures to further improve the business environment and bring major investment "
            "projects on the ground",
            "Twelve measures across a project's life, from negotiation to production: early "
            "entry, helper service, parallel approvals within promised time limits, and "
            "supervision, so that projects start early and produce early.",
            [
                p(
                    "<p>To deepen the reform of government services and bring major investment "
                    "projects on the ground faster, the district adopts the following measures.</p>"
                ),
                h("1. Early entry: projects are registered while still being negotiated"),
                p(
                    "<p>The major-project service group of the Administrative Approval Bureau "
                    "studies the approval path with the departments and gives the project unit its "
                    "full list of approval items once.</p>"
                ),
                h("2. A helper for every major project"),
                p(
                    "<p>Each major project has an assigned helper, the single point of contact, "
                    "who chases every department: the enterprise talks, the government runs the "
                    "errands.</p>"
                ),
                h("3. Parallel approvals within promised time limits"),
                p(
                    "<p>Filing, land pre-examination, planning permits and the construction "
                    "permit run in parallel. Promised limits are at most half of the statutory "
                    "limits, counted in working days.</p>"
                ),
                h("4. Joint site inspections and supervision"),
                p(
                    "<p>Departments inspect a site together, once. The service group tracks every "
                    "item and brings overdue ones to the joint meeting.</p>"
                ),
            ],
            ("business environment", "investment", "major projects"),
        ),
    ),
    PolicySpec(
        slug="major-project-helper-service",
        authority="approval",
        classification="general",
        document_number="区审批发〔2025〕3号",
        index_number="11120111MB1A01003X/2025-00003",
        date_written=date(2025, 4, 2),
        published_on=date(2025, 4, 8),
        items=("DRC-01", "PNR-01", "PNR-02"),
        related=("investment-environment-measures", "joint-meeting-system"),
        zh=Text(
            "重大投资项目“超前介入、全程帮办”服务办法",
            "规定重大投资项目帮办员的职责、服务流程和考核办法：项目洽谈阶段即介入，"
            "帮办员对项目审批全程负责，实行首问负责制。",
            [
                p(
                    "<p>本办法所称帮办，是指区行政审批局为重大投资项目指定帮办员，"
                    "从项目洽谈到竣工投产全过程提供咨询、代办、协调和督办服务。</p>"
                ),
                h("帮办员职责"),
                p(
                    "<ul><li>作为首问责任人，统一受理项目单位的咨询和诉求；</li>"
                    "<li>梳理项目审批事项清单，一次性告知所需材料；</li>"
                    "<li>协调各审批部门并联办理，跟踪办理进度；</li>"
                    "<li>组织现场联合踏勘，准备项目推动联席会议议题。</li></ul>"
                ),
                h("服务流程"),
                steps(
                    ("登记入库", "项目洽谈阶段登记，确定帮办员和领办领导。"),
                    ("制定审批路径", "帮办员会同部门梳理事项、前置条件和时限。"),
                    ("并联办理", "单一窗口综合受理，材料内部流转，企业不再往返部门之间。"),
                    ("跟踪督办", "临近时限提醒，超期提请联席会议。"),
                ),
                p(
                    "<p>项目单位对帮办服务不满意的，可通过服务热线或平台进行投诉，"
                    "投诉件全程跟踪至办结。</p>"
                ),
            ],
            ("帮办服务", "重大项目", "首问负责制"),
        ),
        en=Text(
            "Rules of early-entry, helper-led service for major investment projects",
            "The duties of the assigned helpers, the service steps and how the service is "
            "assessed: the bureau steps in while a project is negotiated, and the helper owns "
            "every approval until production.",
            [
                p(
                    "<p>The bureau assigns every major investment project a helper who advises, "
                    "runs errands, coordinates and chases from negotiation to production.</p>"
                ),
                steps(
                    (
                        "Registration",
                        "The project is registered while negotiated; a helper and "
                        "a leading official are assigned.",
                    ),
                    (
                        "Approval path",
                        "The helper lists the items, their prerequisites and "
                        "limits with the departments.",
                    ),
                    ("Parallel handling", "One window receives; files move internally."),
                    (
                        "Supervision",
                        "Reminders before limits; overdue items go to the joint meeting.",
                    ),
                ),
            ],
            ("helper service", "major projects"),
        ),
    ),
    PolicySpec(
        slug="joint-meeting-system",
        authority="office",
        classification="general",
        document_number="区政办发〔2024〕12号",
        index_number="11120111MB1A01002X/2024-00012",
        date_written=date(2024, 6, 18),
        published_on=date(2024, 6, 21),
        related=("major-project-helper-service",),
        zh=Text(
            "关于建立投资项目推动联席会议制度的通知",
            "建立由区行政审批局牵头、各审批部门参加的项目推动联席会议制度，定期研究投资项目"
            "审批进展，协调解决堵点问题，每项决定明确责任人和完成时限。",
            [
                p(
                    "<p>为加快投资项目审批，协调解决审批中的堵点难点问题，"
                    "区政府决定建立投资项目推动联席会议制度。</p>"
                ),
                h("会议组成"),
                p(
                    "<p>联席会议由区行政审批局主要负责同志召集，区发展改革委、规划资源、住房建设、"
                    "生态环境、应急管理、水务、消防等部门负责同志参加，市级部门驻区机构视议题列席。</p>"
                ),
                h("议事规则"),
                p(
                    "<p>联席会议原则上每月召开一次，必要时随时召开。会议议定事项形成纪要，"
                    "每项决定明确责任单位、责任人和完成时限，由重大项目服务组跟踪督办。</p>"
                ),
                h("企业家座谈会"),
                p(
                    "<p>每季度召开一次企业家座谈会，邀请十余家企业和相关部门参加，"
                    "面对面听取企业意见建议。</p>"
                ),
            ],
            ("联席会议", "督办"),
        ),
        en=Text(
            "Notice on setting up the joint meeting that moves investment projects forward",
            "Departments meet regularly, led by the Administrative Approval Bureau, to review the "
            "approvals of investment projects and settle what blocks them; each decision has an "
            "owner and a date.",
            [
                p(
                    "<p>The joint meeting is convened by the head of the Administrative Approval "
                    "Bureau, with the approving departments, normally once a month.</p>"
                ),
                p(
                    "<p>Every decision names the responsible unit, the person and the date; the "
                    "major-project service group follows it up. Each quarter an enterprise forum "
                    "brings a dozen companies and the departments together.</p>"
                ),
            ],
            ("joint meeting", "supervision"),
        ),
    ),
    PolicySpec(
        slug="investment-service-guarantee",
        authority="commerce",
        classification="commerce",
        document_number="区商务发〔2025〕9号",
        index_number="11120111MB1A01005X/2025-00009",
        date_written=date(2025, 7, 1),
        published_on=date(2025, 7, 7),
        items=("COM-01", "AMR-01"),
        related=("investment-environment-measures", "foreign-investment-service-guide"),
        zh=Text(
            "招商引资项目落地全流程服务保障办法",
            "招商引资项目签约后即移交重大项目服务组，由招商部门、审批部门和属地镇街共同保障"
            "项目注册、立项、规划、施工各环节。",
            [
                p(
                    "<p>招商引资项目签约后五个工作日内，招商部门将项目信息移交区行政审批局，"
                    "纳入重大项目服务范围。</p>"
                ),
                p(
                    "<p>属地镇街负责项目用地、水电气热等要素保障，审批部门负责审批事项办理，"
                    "重大项目服务组负责统筹协调。项目在经济技术开发区的，由开发区政务服务分中心"
                    "提供同等服务。</p>"
                ),
            ],
            ("投资促进", "招商引资"),
        ),
        en=Text(
            "Full-process service for investment projects after signing",
            "Once an investment agreement is signed, the project passes to the major-project "
            "service group; the commerce department, the approving departments and the town "
            "carry it through registration, filing, planning and construction.",
            [
                p(
                    "<p>Within five working days of signing, the commerce department passes the "
                    "project to the Administrative Approval Bureau. Projects in the development "
                    "zone are served the same way by its service sub-centre.</p>"
                ),
            ],
            ("investment",),
        ),
    ),
    PolicySpec(
        slug="foreign-investment-service-guide",
        authority="commerce",
        classification="commerce",
        document_number="",
        index_number="11120111MB1A01005X/2026-00002",
        date_written=date(2026, 2, 20),
        published_on=date(2026, 2, 26),
        items=("COM-01", "AMR-01", "TAX-01"),
        zh=Text(
            "外商投资企业服务指引",
            "面向外商投资企业，说明企业设立、外商投资信息报告、税务登记等事项的办理渠道，"
            "提供中英文咨询服务。",
            [
                p(
                    "<p>外商投资企业设立登记与外商投资信息报告同步办理，企业通过企业登记系统"
                    "报送初始报告，无需另行提交。</p>"
                ),
                p("<p>区行政审批局提供中英文咨询，外商投资企业可预约帮办员上门服务。</p>"),
            ],
            ("外商投资", "投资促进"),
        ),
        en=Text(
            "Service guide for foreign-invested enterprises",
            "Where and how foreign-invested enterprises set up, report their investment "
            "information and register for tax; advice in Chinese and English.",
            [
                p(
                    "<p>Company registration and the initial foreign-investment information report "
                    "are made together, through the company registration system.</p>"
                ),
                p(
                    "<p>The bureau advises in Chinese and English; a helper can visit the "
                    "enterprise by appointment.</p>"
                ),
            ],
            ("foreign investment", "investment"),
        ),
    ),
    PolicySpec(
        slug="approval-catalogue-2025",
        authority="gov",
        classification="general",
        document_number="区政发〔2025〕2号",
        index_number="11120111MB1A01001X/2025-00002",
        date_written=date(2025, 1, 6),
        published_on=date(2025, 1, 10),
        effective_from=date(2025, 2, 1),
        related=("approval-catalogue-2014",),
        attachments=("catalogue",),
        items=("DRC-01", "PNR-02", "HUR-01", "AMR-01"),
        zh=Text(
            "关于公布区级行政审批事项目录（2025年版）的通知",
            "经清理规范，区级行政审批事项由205项精简至196项。目录之外不得设定审批事项，"
            "各部门按目录编制办事指南并向社会公开。",
            [
                p(
                    "<p>根据深化行政审批制度改革的要求，区政府对区级行政审批事项进行了全面清理。"
                    "经清理，区级行政审批事项由205项精简为196项，现予公布。</p>"
                ),
                figures(
                    ("205", "项", "原审批事项", "2014年版目录"),
                    ("196", "项", "现审批事项", "2025年版目录"),
                    ("30%", "以上", "全程网上办理", "网上受理、审查、审批"),
                ),
                p(
                    "<p>各部门应当严格按照目录实施审批，不得在目录之外设定审批事项，"
                    "不得变相审批。各事项的申请材料、办理时限、收费标准和设定依据，"
                    "以区行政审批局公布的办事指南为准，实行一次性告知。</p>"
                ),
                p(
                    "<p>本通知自2025年2月1日起施行。《关于公布区级行政审批事项目录的通知》"
                    "（区政发〔2014〕15号）同时废止。</p>"
                ),
            ],
            ("审批制度改革", "事项目录"),
        ),
        en=Text(
            "Notice publishing the district catalogue of approval items (2025 edition)",
            "After a review the district cut its approval items from 205 to 196. No approval may "
            "be required outside the catalogue; each item has a public guide.",
            [
                p(
                    "<p>After a full review, the district approval items were cut from 205 to 196. "
                    "Departments approve only what the catalogue lists.</p>"
                ),
                figures(
                    ("205", "", "items before", "2014 edition"),
                    ("196", "", "items now", "2025 edition"),
                    ("30 %+", "", "fully online", "applied for and approved online"),
                ),
                p(
                    "<p>The materials, limits, fees and legal basis of each item are those of its "
                    "published guide. This notice takes effect on 1 February 2025 and repeals the "
                    "2014 catalogue.</p>"
                ),
            ],
            ("approval reform", "catalogue"),
        ),
    ),
    PolicySpec(
        slug="approval-catalogue-2014",
        authority="gov",
        classification="general",
        document_number="区政发〔2014〕15号",
        index_number="11120111MB1A01001X/2014-00015",
        date_written=date(2014, 8, 25),
        published_on=date(2014, 9, 1),
        repealed_on=date(2025, 2, 1),
        related=("approval-catalogue-2025",),
        zh=Text(
            "关于公布区级行政审批事项目录的通知（2014年版）",
            "公布区级行政审批事项205项。已被区政发〔2025〕2号废止。",
            [
                p(
                    "<p>区级行政审批事项共205项，全部纳入区行政审批局集中办理，实行“一个窗口受理、"
                    "一站式审批、一条龙服务”。</p>"
                ),
            ],
            ("审批制度改革", "事项目录"),
        ),
        en=Text(
            "Notice publishing the district catalogue of approval items (2014 edition)",
            "The 205 district approval items of 2014. Repealed by the 2025 catalogue.",
            [
                p(
                    "<p>All 205 district approval items were brought into the bureau: one window, "
                    "one stop, one service.</p>"
                )
            ],
            ("approval reform", "catalogue"),
        ),
    ),
    PolicySpec(
        slug="accept-now-supplement-later",
        authority="approval",
        classification="general",
        document_number="区审批发〔2024〕7号",
        index_number="11120111MB1A01003X/2024-00007",
        date_written=date(2024, 9, 3),
        published_on=date(2024, 9, 10),
        items=("HUR-01", "ECO-02", "AMR-03"),
        related=("one-time-notification-rules",),
        attachments=("non_key",),
        zh=Text(
            "容缺受理实施办法",
            "申请材料中主要材料齐全、仅缺少非要件材料的，先予受理，申请人在承诺期限内补齐，"
            "审批时限照常计算。",
            [
                p(
                    "<p>本办法所称容缺受理，是指申请人提交的申请材料中要件齐全、"
                    "次要材料或非关键性材料欠缺的，经申请人书面承诺在规定期限内补交，"
                    "审批部门先予受理并进行审查的服务方式。</p>"
                ),
                h("适用范围"),
                p(
                    "<p>可容缺的非要件材料以各事项办事指南标注为准，详见附件清单。"
                    "缺少要件材料的，不予容缺受理。</p>"
                ),
                h("办理程序"),
                steps(
                    ("书面承诺", "申请人签署容缺受理承诺书，载明补交材料和期限。"),
                    ("先行受理", "窗口当场受理，出具受理通知书，开始计算审批时限。"),
                    ("补交材料", "申请人在期限内补交，审批部门出具决定。"),
                ),
                notice(
                    "<p>申请人未在承诺期限内补齐材料的，审批部门可以终止办理，并记入信用记录。</p>",
                    "important",
                ),
            ],
            ("审批制度改革", "容缺受理"),
        ),
        en=Text(
            "Rules on accepting applications now and supplementing materials later",
            "When all key materials are there and only non-key ones are missing, the "
            "application is accepted at once; the applicant supplies the rest by a deadline.",
            [
                p(
                    "<p>The non-key materials that may follow later are marked in each item's "
                    "guide and listed in the attachment. Without a key material the application "
                    "cannot be accepted.</p>"
                ),
                steps(
                    (
                        "Commitment",
                        "The applicant signs a commitment naming the missing "
                        "materials and the deadline.",
                    ),
                    ("Acceptance", "The window accepts at once; the time limit starts."),
                    ("Supplement", "The applicant supplies the materials; the decision follows."),
                ),
            ],
            ("approval reform", "accept now, supplement later"),
        ),
    ),
    PolicySpec(
        slug="one-time-notification-rules",
        authority="approval",
        classification="general",
        document_number="区审批发〔2023〕5号",
        index_number="11120111MB1A01003X/2023-00005",
        date_written=date(2023, 5, 8),
        published_on=date(2023, 5, 12),
        related=("accept-now-supplement-later",),
        zh=Text(
            "一次性告知和首问负责制实施细则",
            "审批事项的全部申请材料、办理条件和时限通过办事指南一次性告知；首位接待人员"
            "对企业咨询负责到底。",
            [
                p(
                    "<p>区行政审批局对每一审批事项编制办事指南，列明全部申请材料（区分要件与"
                    "非要件）、办理条件、法定时限和承诺时限、收费标准和设定依据，"
                    "在平台和窗口公开，做到一次性告知，让企业少跑路、不跑冤枉路。</p>"
                ),
                p(
                    "<p>首位接待企业咨询的工作人员为首问责任人，对属于本部门职责的事项当场答复或"
                    "限时办理；不属于本部门职责的，负责引导至责任部门并跟踪至办结。"
                    "重大项目的首问责任人为其帮办员。</p>"
                ),
            ],
            ("一次性告知", "首问负责制"),
        ),
        en=Text(
            "Rules on one-time notification and first-question responsibility",
            "Each item's full list of materials, conditions and limits is published once in its "
            "guide; whoever is first asked owns the answer.",
            [
                p(
                    "<p>Every approval item has a guide listing all materials (key and non-key), "
                    "conditions, statutory and promised limits, fees and legal basis.</p>"
                ),
                p(
                    "<p>The first person asked owns the answer until it is settled; for a major "
                    "project that is its helper.</p>"
                ),
            ],
            ("one-time notification",),
        ),
    ),
    PolicySpec(
        slug="parallel-approval-time-limits",
        authority="approval",
        classification="construction",
        document_number="区审批发〔2025〕11号",
        index_number="11120111MB1A01003X/2025-00011",
        date_written=date(2025, 9, 15),
        published_on=date(2025, 9, 19),
        items=("PNR-02", "PNR-03", "HUR-01", "HUR-02", "ECO-02"),
        related=("investment-environment-measures", "joint-site-inspection-rules"),
        zh=Text(
            "企业投资项目并联审批和限时办结规定",
            "工程建设项目按立项用地、工程规划、施工许可、竣工验收四个阶段并联审批，"
            "每个事项公布承诺时限，按工作日计算，补正期间暂停计时。",
            [
                p(
                    "<p>企业投资项目审批分为立项用地规划许可、工程建设许可、施工许可、"
                    "竣工验收四个阶段，每个阶段由牵头部门统一受理、并联审批、限时办结。</p>"
                ),
                p(
                    "<p>承诺时限按工作日计算，遇法定节假日顺延，调休上班日计入工作日。"
                    "审批部门要求申请人补正材料的，自发出补正通知之日起暂停计时，"
                    "申请人补正后恢复计时。</p>"
                ),
                p(
                    "<p>审批事项临近承诺时限的，系统自动提醒帮办员和审批部门；"
                    "超过承诺时限的，纳入督办。</p>"
                ),
            ],
            ("审批制度改革", "并联审批", "限时办结"),
        ),
        en=Text(
            "Rules on parallel approval and time-limited completion for enterprise investment "
            "projects",
            "Construction projects are approved in four stages, each in parallel; every item has "
            "a promised limit in working days, and the clock stops while a supplement is awaited.",
            [
                p(
                    "<p>Each stage has a lead department that receives once and runs the approvals "
                    "in parallel within promised limits.</p>"
                ),
                p(
                    "<p>Limits count working days (public holidays excluded, make-up working "
                    "weekends included). The clock stops while the file waits on the enterprise "
                    "and restarts when it answers.</p>"
                ),
            ],
            ("approval reform", "parallel approval"),
        ),
    ),
    PolicySpec(
        slug="company-setup-one-day",
        authority="approval",
        classification="market",
        document_number="区审批发〔2024〕2号",
        index_number="11120111MB1A01003X/2024-00002",
        date_written=date(2024, 2, 26),
        published_on=date(2024, 3, 1),
        items=("AMR-01", "CPS-01", "TAX-01"),
        zh=Text(
            "企业开办“一日办结”工作方案",
            "企业设立登记、公章刻制、涉税事项一窗受理、并联办理，企业开办一个工作日办结。",
            [
                p(
                    "<p>企业开办涉及的设立登记、印章刻制备案、新办纳税人涉税事项等实行“一窗受理、"
                    "一表填报、并联办理”，材料齐全的，一个工作日内办结。</p>"
                ),
                figures(
                    ("1", "个工作日", "企业开办", "设立登记、刻章、涉税一次办"),
                    ("2/3", "", "节省时间", "投资者反映"),
                ),
                p("<p>企业可选择全程网上办理，营业执照和印章免费邮寄。</p>"),
            ],
            ("企业开办", "审批制度改革"),
        ),
        en=Text(
            "Plan for company set-up in one working day",
            "Registration, seal engraving and tax registration at one window, in parallel: a "
            "company is set up in one working day.",
            [
                p(
                    "<p>One window, one form, parallel handling: with complete materials a company "
                    "is set up within one working day, online if the founders wish.</p>"
                ),
                figures(
                    ("1", "working day", "company set-up", "registration, seal and tax at once"),
                    ("2/3", "", "time saved", "as investors report"),
                ),
            ],
            ("company set-up",),
        ),
    ),
    PolicySpec(
        slug="joint-site-inspection-rules",
        authority="approval",
        classification="construction",
        document_number="区审批发〔2024〕9号",
        index_number="11120111MB1A01003X/2024-00009",
        date_written=date(2024, 10, 14),
        published_on=date(2024, 10, 18),
        items=("PNR-04", "HUR-03", "FIRE-01"),
        zh=Text(
            "现场联合踏勘工作规程",
            "需要现场核查的审批事项，由区行政审批局统一组织相关部门同一时间到现场联合踏勘，"
            "当场形成意见。",
            [
                p(
                    "<p>对建设工程设计方案审查、消防验收、公众聚集场所投入使用前消防安全检查"
                    "等需要现场核查的事项，实行联合踏勘，一次到场、一次核查、一次告知。</p>"
                ),
                p(
                    "<p>联合踏勘由重大项目服务组提前三个工作日通知项目单位和相关部门，"
                    "踏勘意见当场汇总，需要整改的一次性告知。</p>"
                ),
            ],
            ("联合踏勘", "现场服务"),
        ),
        en=Text(
            "Rules for joint site inspections",
            "Where approvals need a site visit, the bureau brings the departments to the site at "
            "the same time; findings are given on the spot.",
            [
                p(
                    "<p>One visit, one inspection, one list of findings. The service group gives "
                    "three working days' notice to the project unit and the departments.</p>"
                )
            ],
            ("site inspection",),
        ),
    ),
    PolicySpec(
        slug="sme-support-measures",
        authority="gov",
        classification="finance",
        document_number="区政发〔2025〕14号",
        index_number="11120111MB1A01001X/2025-00014",
        date_written=date(2025, 11, 20),
        published_on=date(2025, 11, 28),
        effective_from=date(2026, 1, 1),
        expires_on=date(2027, 12, 31),
        items=("AMR-01",),
        zh=Text(
            "支持中小企业高质量发展的若干政策措施",
            "从融资支持、技术改造、市场开拓和人才引进四个方面支持中小企业发展，"
            "有效期至2027年12月31日。",
            [
                p("<p>为支持中小企业发展壮大，区财政每年安排专项资金，用于以下方面。</p>"),
                p(
                    "<ol><li>融资支持：对中小企业贷款给予贴息；</li>"
                    "<li>技术改造：对设备投资给予补助；</li>"
                    "<li>市场开拓：对参加展会给予补贴；</li>"
                    "<li>人才引进：对引进的高层次人才给予安家补助。</li></ol>"
                ),
                p("<p>本措施自2026年1月1日起施行，有效期至2027年12月31日。</p>"),
            ],
            ("惠企政策", "中小企业"),
        ),
        en=Text(
            "Measures supporting small and medium-sized enterprises",
            "Support for financing, technical upgrading, markets and talent; valid until "
            "31 December 2027.",
            [
                p(
                    "<p>The district funds interest subsidies, equipment grants, trade-fair "
                    "subsidies and settling-in grants for recruited talent, from 1 January 2026 to "
                    "31 December 2027.</p>"
                )
            ],
            ("enterprise support",),
        ),
    ),
    PolicySpec(
        slug="relief-for-enterprises-2023",
        authority="finance",
        classification="finance",
        document_number="区财发〔2023〕4号",
        index_number="11120111MB1A01006X/2023-00004",
        date_written=date(2023, 3, 1),
        published_on=date(2023, 3, 6),
        expires_on=date(2024, 12, 31),
        zh=Text(
            "关于落实减税降费支持企业纾困发展的通知",
            "阶段性减免部分行政事业性收费，支持企业纾困发展。执行期至2024年12月31日。",
            [p("<p>对小微企业阶段性免征部分行政事业性收费，执行期至2024年12月31日。</p>")],
            ("惠企政策", "减税降费"),
        ),
        en=Text(
            "Notice on fee relief for enterprises",
            "Temporary exemption of certain administrative fees for small enterprises, until "
            "31 December 2024.",
            [
                p(
                    "<p>Small and micro enterprises were exempted from certain administrative fees "
                    "until 31 December 2024.</p>"
                )
            ],
            ("enterprise support",),
        ),
    ),
    PolicySpec(
        slug="online-approval-2027",
        authority="approval",
        classification="general",
        document_number="区审批发〔2026〕8号",
        index_number="11120111MB1A01003X/2026-00008",
        date_written=date(2026, 11, 10),
        published_on=date(2026, 11, 16),
        effective_from=date(2027, 1, 1),
        items=("DRC-01", "AMR-01", "AMR-02"),
        zh=Text(
            "关于推行审批事项“一网通办”的实施意见",
            "2027年起，区级审批事项全面实行网上申报，网上办理比例由30%以上提高到60%以上。",
            [
                p(
                    "<p>在现有30%以上事项可网上受理、审查、审批的基础上，进一步推行“一网通办”，"
                    "到2027年底全程网办事项比例达到60%以上。</p>"
                ),
                p(
                    "<p>企业可在线提交材料预审，审批人员在线标注修改意见，"
                    "定稿后正式提交，减少往返。</p>"
                ),
            ],
            ("一网通办", "审批制度改革"),
        ),
        en=Text(
            "Opinions on applying for every approval online",
            "From 2027 every district item can be applied for online; the share handled fully "
            "online rises from over 30 % to over 60 %.",
            [
                p(
                    "<p>Enterprises send drafts for online pre-review; officers mark them up; only "
                    "the final set is submitted.</p>"
                )
            ],
            ("online service", "approval reform"),
        ),
    ),
]

INTERPRETATIONS = [
    InterpretationSpec(
        policy="investment-environment-measures",
        slug="measures-explained",
        kind="text",
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        published_on=date(2025, 3, 18),
        zh=Text(
            "一图读懂：优化营商环境促进重大投资项目落地十二条措施",
            "从“谁来服务、怎么审批、多长时间”三个方面解读十二条措施。",
            [
                h("谁来服务"),
                p("<p>每个重大项目有一名帮办员，是您的唯一联系人，负责协调所有审批部门。</p>"),
                h("怎么审批"),
                p(
                    "<p>备案、规划、施工许可等事项并联审批，单一窗口受理，企业不再在部门之间往返。</p>"
                ),
                h("多长时间"),
                p("<p>承诺时限不超过法定时限的一半，按工作日计算；企业开办一个工作日办结。</p>"),
            ],
        ),
        en=Text(
            "The twelve measures at a glance",
            "Who serves you, how approvals run and how long they take.",
            [
                p("<p>Every major project has one helper, your single point of contact.</p>"),
                p(
                    "<p>Approvals run in parallel from one window; promised limits are at most "
                    "half the statutory ones, in working days.</p>"
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="major-project-helper-service",
        slug="helper-service-qa",
        kind="qa",
        source="区行政审批局重大项目服务组",
        source_en="Major-project service group",
        published_on=date(2025, 4, 12),
        zh=Text(
            "重大投资项目帮办服务问答",
            "哪些项目可以申请帮办、帮办员做什么、如何评价帮办服务。",
            [
                questions(
                    (
                        "哪些项目可以享受帮办服务？",
                        "<p>列入区重点项目计划或意向投资额较大的项目，洽谈阶段即可登记。</p>",
                    ),
                    ("帮办员收费吗？", "<p>帮办服务全程免费。</p>"),
                    (
                        "对帮办服务不满意怎么办？",
                        "<p>可以在平台上评价服务或提出投诉，投诉件全程跟踪至办结。</p>",
                    ),
                ),
            ],
        ),
        en=Text(
            "Helper service: questions and answers",
            "Which projects get a helper, what the helper does, and how to rate the service.",
            [
                questions(
                    (
                        "Which projects get a helper?",
                        "<p>Projects in the district's key project plan or of a large intended "
                        "investment, from negotiation on.</p>",
                    ),
                    ("Does the helper charge a fee?", "<p>No, the service is free.</p>"),
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="approval-catalogue-2025",
        slug="catalogue-2025-explained",
        kind="official",
        source="区行政审批局局长",
        source_en="Head of the Administrative Approval Bureau",
        published_on=date(2025, 1, 15),
        zh=Text(
            "区行政审批局负责人解读2025年版审批事项目录",
            "审批事项为什么由205项减到196项，企业办事有哪些变化。",
            [
                p(
                    "<p>这次清理取消了9项审批事项，合并了部分相近事项。对保留的196项事项，"
                    "逐项编制办事指南，一次性告知申请材料。</p>"
                ),
                quote("目录之外无审批，企业办事有清单可循。", "区行政审批局负责人"),
                p("<p>目前30%以上的事项可以全程网上办理，我们将继续提高网办比例。</p>"),
            ],
        ),
        en=Text(
            "The head of the bureau on the 2025 catalogue",
            "Why the items went from 205 to 196 and what changes for enterprises.",
            [
                p(
                    "<p>Nine items were abolished and similar ones merged. Each of the 196 items now "
                    "has a guide listing everything to bring.</p>"
                )
            ],
        ),
    ),
    InterpretationSpec(
        policy="accept-now-supplement-later",
        slug="accept-now-qa",
        kind="qa",
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        published_on=date(2024, 9, 15),
        zh=Text(
            "容缺受理政策问答",
            "什么是容缺受理，缺哪些材料可以先受理，补交期限怎么算。",
            [
                questions(
                    ("什么是容缺受理？", "<p>要件齐全、仅缺少非要件材料时，先受理、后补交。</p>"),
                    ("哪些材料可以容缺？", "<p>以办事指南中标注为“可后补”的材料为准。</p>"),
                    (
                        "补交期间审批时限怎么算？",
                        "<p>容缺受理的审批时限照常计算；审批部门要求补正的，补正期间暂停计时。</p>",
                    ),
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="company-setup-one-day",
        slug="company-setup-explained",
        kind="graphic",
        source="区行政审批局",
        published_on=date(2024, 3, 5),
        zh=Text(
            "图解企业开办“一日办结”",
            "一窗受理、一表填报、并联办理，营业执照、公章、发票一天到手。",
            [
                steps(
                    ("网上或窗口申报", "填写一张表格，提交一套材料。"),
                    ("并联办理", "登记、刻章、涉税事项同时办理。"),
                    ("一日领取", "营业执照、公章一个工作日内领取或免费邮寄。"),
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="parallel-approval-time-limits",
        slug="parallel-approval-explained",
        kind="text",
        source="区行政审批局",
        published_on=date(2025, 9, 25),
        zh=Text(
            "并联审批和限时办结规定解读",
            "四个阶段怎么并联、工作日怎么算、补正期间为什么暂停计时。",
            [
                p(
                    "<p>承诺时限按工作日计算：周末和法定节假日不计入，调休上班的周末计入。"
                    "例如承诺10个工作日办结的事项，受理后遇国庆假期，办结日期相应顺延。</p>"
                ),
                p(
                    "<p>审批部门发出补正通知后，等待企业补正的时间不计入审批时限，"
                    "企业补正后继续计时，平台实时显示剩余工作日。</p>"
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="sme-support-measures",
        slug="sme-support-qa",
        kind="qa",
        source="区财政局",
        published_on=date(2025, 12, 3),
        zh=Text(
            "支持中小企业发展政策措施问答",
            "申报条件、申报时间和资金拨付方式。",
            [
                questions(
                    ("哪些企业可以申报？", "<p>在本区注册、纳税的中小企业。</p>"),
                    ("什么时候申报？", "<p>每年一季度集中申报，具体以通知为准。</p>"),
                ),
            ],
        ),
    ),
    InterpretationSpec(
        policy="joint-meeting-system",
        slug="joint-meeting-explained",
        kind="text",
        source="区人民政府办公室",
        published_on=date(2024, 6, 25),
        zh=Text(
            "项目推动联席会议制度解读",
            "联席会议解决什么问题，企业如何提出议题。",
            [
                p(
                    "<p>项目审批中遇到需要多个部门协调的问题，企业可通过帮办员提出议题，"
                    "由联席会议研究决定，每项决定明确责任人和完成时限，结果在平台上公开。</p>"
                )
            ],
        ),
    ),
]

NEWS = [
    NewsSpec(
        slug="one-year-of-service",
        date=date(2026, 1, 8),
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        zh=Text(
            "区行政审批局一年受理办件24051件 办结率100%",
            "一年来共受理各类审批办件24051件，全部办结；其中企业设立4520户、变更3712件，"
            "即来即办1735件。",
            [
                p(
                    "<p>一年来，区行政审批局坚持“一个窗口受理、一站式审批、一条龙服务”，"
                    "共受理各类审批办件24051件，办结24051件，办结率100%。</p>"
                ),
                figures(
                    ("24,051", "件", "受理办件", "办结率100%"),
                    ("4,520", "户", "企业设立", ""),
                    ("3,712", "件", "企业变更", ""),
                    ("1,735", "件", "即来即办", "当场办结"),
                ),
                p(
                    "<p>其中，企业设立登记4520户，企业变更登记3712件，即来即办1735件。"
                    "全年组织现场联合踏勘577次，服务热线接听来电21232个，做到件件有回音。</p>"
                ),
            ],
        ),
        en=Text(
            "24,051 applications received in a year, all of them completed",
            "In one year the bureau received and completed 24,051 applications, among them "
            "4,520 company set-ups and 3,712 changes; 1,735 were done on the spot.",
            [
                figures(
                    ("24,051", "", "applications", "100 % completed"),
                    ("4,520", "", "company set-ups", ""),
                    ("3,712", "", "company changes", ""),
                    ("1,735", "", "done on the spot", ""),
                ),
                p(
                    "<p>The bureau also organised 577 joint site inspections and answered all "
                    "21,232 calls to its hotline.</p>"
                ),
            ],
        ),
    ),
    NewsSpec(
        slug="catalogue-cut-to-196",
        date=date(2025, 1, 12),
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        zh=Text(
            "区级审批事项由205项精简至196项",
            "新版审批事项目录正式公布，取消审批事项9项，所有事项编制办事指南一次性告知。",
            [
                p(
                    "<p>区政府日前公布区级行政审批事项目录（2025年版），审批事项由205项精简至196项。"
                    "区行政审批局同步更新全部事项办事指南，申请材料一次性告知。</p>"
                )
            ],
        ),
        en=Text(
            "District approval items cut from 205 to 196",
            "The new catalogue abolishes nine approval items; every remaining item has a guide.",
            [
                p(
                    "<p>The district published its 2025 catalogue: 196 approval items instead of "
                    "205, each with a guide listing everything to bring.</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="company-setup-in-one-day",
        date=date(2025, 6, 3),
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        zh=Text(
            "企业开办一个工作日办结 投资者节省三分之二时间",
            "企业开办“一日办结”全面落地，投资者反映办事时间节省三分之二。",
            [
                p(
                    "<p>自企业开办“一日办结”实施以来，设立登记、印章刻制、涉税事项并联办理，"
                    "材料齐全的一个工作日办结。投资者反映，与过去相比节省了三分之二的时间。</p>"
                )
            ],
        ),
        en=Text(
            "Companies set up in one working day; investors save two thirds of their time",
            "Registration, seal and tax in parallel: a company is set up in one working day.",
            [p("<p>Investors say they now save two thirds of the time a set-up used to take.</p>")],
        ),
    ),
    NewsSpec(
        slug="joint-site-inspections",
        date=date(2025, 12, 20),
        source="区行政审批局",
        zh=Text(
            "全年组织现场联合踏勘577次",
            "多部门同时到场、一次核查、当场告知，企业不再分头迎检。",
            [
                p(
                    "<p>今年以来，区行政审批局重大项目服务组共组织规划、住建、消防、生态环境等部门"
                    "开展现场联合踏勘577次，踏勘意见当场汇总、一次性告知。</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="hotline-calls",
        date=date(2025, 12, 28),
        source="区行政审批局",
        zh=Text(
            "服务热线全年接听来电21232个 件件有回音",
            "热线实行首问负责制，咨询当场答复，诉求限时办理。",
            [
                p(
                    "<p>区行政审批局服务热线全年共接听来电21232个，全部答复。"
                    "热线实行首问负责制，不能当场答复的，限时回复并跟踪至办结。</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="over-30-percent-online",
        date=date(2025, 10, 9),
        source="区行政审批局",
        source_en="District Administrative Approval Bureau",
        zh=Text(
            "三成以上审批事项实现全程网上办理",
            "30%以上的审批事项实现网上受理、网上审查、网上审批。",
            [
                p(
                    "<p>目前，区级30%以上的审批事项已实现网上受理、网上审查、网上审批，"
                    "企业可在线提交材料预审，审批人员在线标注，定稿后正式提交。</p>"
                )
            ],
        ),
        en=Text(
            "Over 30 % of approval items now handled entirely online",
            "More than 30 % of items are received, reviewed and approved online.",
            [
                p(
                    "<p>Enterprises send drafts for online pre-review before submitting the final "
                    "set.</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="automotive-glass-plant",
        date=date(2025, 11, 18),
        source="区行政审批局重大项目服务组",
        source_en="Major-project service group",
        zh=Text(
            "汽车玻璃生产基地项目当年建设当年竣工",
            "在帮办员全程帮办下，汽车玻璃生产基地项目审批并联推进，一年内建成投产。",
            [
                p(
                    "<p>汽车玻璃生产基地项目从洽谈阶段即登记入库，帮办员全程代办审批事项，"
                    "用地、规划、施工许可并联审批，项目当年开工、当年竣工。</p>"
                )
            ],
        ),
        en=Text(
            "Automotive-glass plant built and finished within one year",
            "With a helper carrying its approvals in parallel, the plant started and finished "
            "construction in the same year.",
            [
                p(
                    "<p>The project was registered while still being negotiated; land, planning and "
                    "construction permits ran in parallel.</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="fishery-solar-plant",
        date=date(2026, 3, 16),
        source="区行政审批局",
        zh=Text(
            "20兆瓦渔光互补光伏项目完成全部前期审批",
            "项目在王稳庄镇建设，上可发电、下可养鱼，各项审批在承诺时限内完成。",
            [
                p(
                    "<p>位于王稳庄镇的20兆瓦渔光互补光伏发电项目日前完成全部前期审批。"
                    "重大项目服务组组织联合踏勘，协调水务、农业农村等部门并联办理。</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="enterprise-forum-q3",
        date=date(2026, 9, 26),
        source="区行政审批局",
        zh=Text(
            "第三季度企业家座谈会召开",
            "十余家企业与多个部门面对面交流，现场解决审批问题。",
            [
                p(
                    "<p>区行政审批局召开第三季度企业家座谈会，物流基地、粮食储备库扩建、"
                    "商务楼宇等项目单位参加，各部门现场回应企业诉求，会后逐项明确责任人和完成时限。</p>"
                )
            ],
        ),
    ),
    NewsSpec(
        slug="zone-service-subcentre",
        date=date(2026, 5, 11),
        source="经济技术开发区管委会",
        zh=Text(
            "开发区政务服务分中心提供同城同标服务",
            "开发区企业在家门口即可办理审批事项，与区政务服务中心同一标准。",
            [
                p(
                    "<p>经济技术开发区政务服务分中心设置综合受理窗口，开发区企业的审批事项"
                    "可就近受理，标准、时限与区政务服务中心一致。</p>"
                )
            ],
        ),
    ),
]


# English versions of the interpretations and news first written in Chinese only.
ENGLISH_LATER = {
    "accept-now-qa": (
        Text(
            "Accepting now, supplementing later: questions and answers",
            "What it means, which materials may follow later, and how the time limit runs.",
            [
                questions(
                    (
                        "What does it mean?",
                        "<p>When all key materials are there and only non-key ones are missing, the "
                        "application is accepted now and the rest follows later.</p>",
                    ),
                    (
                        "Which materials may follow later?",
                        "<p>Those the item's guide marks as “can be supplied later”.</p>",
                    ),
                    (
                        "Does the time limit run meanwhile?",
                        "<p>Yes. Only a supplement the department asks for stops the clock.</p>",
                    ),
                ),
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "company-setup-explained": (
        Text(
            "Company set-up in one working day, step by step",
            "One window, one form, parallel handling: licence and seal within a working day.",
            [
                steps(
                    ("Apply online or at the window", "One form, one set of materials."),
                    ("Parallel handling", "Registration, seal and tax at the same time."),
                    (
                        "Collect in a day",
                        "Licence and seal within one working day, or posted free of charge.",
                    ),
                ),
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "parallel-approval-explained": (
        Text(
            "Parallel approval and time limits explained",
            "How the four stages run in parallel, how working days are counted, and why the "
            "clock stops during a supplement.",
            [
                p(
                    "<p>Limits count working days: weekends and public holidays do not count, "
                    "make-up working weekends do. An item promised in 10 working days and accepted "
                    "before the National Day holiday is due correspondingly later.</p>"
                ),
                p(
                    "<p>While the file waits for a supplement the department asked for, the clock "
                    "stands still; the portal shows the working days left at any time.</p>"
                ),
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "sme-support-qa": (
        Text(
            "Support for small and medium-sized enterprises: questions and answers",
            "Who may apply, when, and how the support is paid.",
            [
                questions(
                    (
                        "Who may apply?",
                        "<p>Small and medium-sized enterprises registered and paying tax in the "
                        "district.</p>",
                    ),
                    ("When?", "<p>In the first quarter of each year, as the call announces.</p>"),
                ),
            ],
        ),
        "District Finance Bureau",
    ),
    "joint-meeting-explained": (
        Text(
            "The joint meeting explained",
            "Which problems the joint meeting settles and how an enterprise puts one on the "
            "agenda.",
            [
                p(
                    "<p>When an approval needs several departments to agree, the enterprise raises it "
                    "through its helper; the joint meeting decides, names an owner and a date, and "
                    "the outcome is shown in the portal.</p>"
                )
            ],
        ),
        "General Office of the District People's Government",
    ),
    "joint-site-inspections": (
        Text(
            "577 joint site inspections in a year",
            "Departments on site together, one inspection, findings on the spot: enterprises no "
            "longer host each department in turn.",
            [
                p(
                    "<p>The major-project service group brought planning, housing, fire and "
                    "environment officers to the sites together 577 times this year.</p>"
                )
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "hotline-calls": (
        Text(
            "21,232 hotline calls in a year, every one answered",
            "Whoever takes the call owns the answer; what cannot be answered at once is followed "
            "up to the end.",
            [
                p(
                    "<p>The bureau's hotline answered all 21,232 calls of the year under the "
                    "first-question responsibility rule.</p>"
                )
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "fishery-solar-plant": (
        Text(
            "20 MW fishery-solar plant completes its approvals",
            "Power above, fish below: the Wangwenzhuang project's approvals all came within "
            "their promised limits.",
            [
                p(
                    "<p>The service group organised a joint site inspection and ran the water and "
                    "agriculture approvals in parallel.</p>"
                )
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "enterprise-forum-q3": (
        Text(
            "Third-quarter enterprise forum held",
            "A dozen enterprises met the departments face to face; problems were settled on the "
            "spot.",
            [
                p(
                    "<p>The logistics base, the grain-reserve depot extension and an office tower were "
                    "among the projects present; each follow-up has an owner and a date.</p>"
                )
            ],
        ),
        "District Administrative Approval Bureau",
    ),
    "zone-service-subcentre": (
        Text(
            "The development zone's service sub-centre serves to the same standard",
            "Zone enterprises apply next door, with the same standards and limits as at the "
            "district centre.",
            [
                p(
                    "<p>The sub-centre has a single window for every item the zone's enterprises "
                    "need.</p>"
                )
            ],
        ),
        "Economic and Technological Development Zone Committee",
    ),
}


def _with_english(spec):
    if spec.en is None and spec.slug in ENGLISH_LATER:
        text, source = ENGLISH_LATER[spec.slug]
        return replace(spec, en=text, source_en=source)
    return spec


INTERPRETATIONS = [_with_english(spec) for spec in INTERPRETATIONS]
NEWS = [_with_english(spec) for spec in NEWS]
