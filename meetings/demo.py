"""The demo meetings and site visits, for `seed_demo` (after `projects.demo.seed_projects`).

Joint meetings (项目推动联席会议) of the last months with their agenda, attendance, minutes,
decisions and follow-ups; the next joint meeting with its agenda proposed from today's overdue,
paused and blocked approvals; an enterprise forum (企业家座谈会) in the coming weeks; an on-site
service visit (主动到府服务) to the automotive-glass plant and a joint site inspection
(现场联合踏勘) of the fishery-solar plant with findings and follow-ups.

Everything goes through the meeting services with past `now=` moments, run in one chronological
order, so every stream reads in time order. Days are working days counted from `today`
(negative: before it), so the demo looks current whenever it is loaded. Running it twice leaves
the same data: meetings whose title exists are skipped.

One rule keeps the project streams chronological: `seed_projects` has already written each
project's history up to yesterday, and an action item about a project also writes an event on
the project's stream. A follow-up decided before the project's latest event is therefore
recorded without the project link, and linked to its project and agenda item once the whole
history is written (no event: the project's timeline would go back in time); the recent ones
keep it from the start. Linked, it shows only to those who may see its project.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation

from portal.demo import DEMO_ACCOUNTS
from portal.events import without_live_signals
from portal.models import Event, StreamHead, User
from projects.clock import WorkingCalendar
from projects.demo import DEPARTMENTS, EXTRA_OFFICERS
from projects.models import Approval, Department, Project, StoredFile
from projects.streams import project_stream

from .models import ActionItem, Meeting, Participant
from .services import (
    action_item_close,
    action_item_create,
    agenda_proposals,
    agenda_set,
    finding_add,
    meeting_internal_stream,
    meeting_record,
    meeting_respond,
    meeting_schedule,
    meeting_stream,
)

K = Meeting.Kind
A = Participant.Answer
DEPARTMENT_NAMES = {key: name for key, _level, name, *_rest in DEPARTMENTS}

# A moment: (working day relative to today, "HH:MM" Beijing time).
Moment = tuple[int, str]


@dataclass(frozen=True)
class AgendaSpec:
    project: str  # project code
    title: str
    item: str = ""  # approval item code: links the project's approval
    minutes: str = ""
    internal: str = ""  # internal minutes: never shown to the enterprise


@dataclass(frozen=True)
class ActionSpec:
    decision: str
    title: str
    owner: str  # a username, or "dept:<department key>"
    agenda: int | None = None  # index of the agenda item it follows from
    project: str = ""  # project code, when not given by the agenda item
    working_days: int | None = None  # due N working days after the meeting
    due_of: str = ""  # or on the promised due date of this approval of the project, if it has one
    closed: tuple[int, str, str, str] | None = None  # (day, "HH:MM", username, note)


@dataclass(frozen=True)
class FindingSpec:
    author: str
    project: str
    text: str
    minute: int = 30  # minutes after the start of the visit
    photo: str = ""  # file name of a small generated photo


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    kind: str
    organiser: str
    day: int
    start: str
    end: str
    place: str
    scheduled: Moment
    projects: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    # Upcoming meetings: (username, answer, day, "HH:MM"); everyone else has not answered.
    answers: tuple[tuple[str, str, int, str], ...] = ()
    # Past meetings: everyone answers attend except these; those who decline stay away.
    declines: tuple[str, ...] = ()
    agenda: tuple[AgendaSpec, ...] = ()
    agenda_from_proposals: int = 0  # take up to this many items from `agenda_proposals`
    agenda_at: Moment | None = None
    findings: tuple[FindingSpec, ...] = ()
    actions: tuple[ActionSpec, ...] = ()

    @property
    def held(self) -> bool:
        return self.day < 0


# The demo projects (projects.demo.PROJECTS) the meetings are about.
GLASS, GLASS_II, GRAIN, TOWER = "ZDXM-001", "ZDXM-002", "ZDXM-004", "ZDXM-005"
SOLAR, GEARBOX, BATTERY = "ZDXM-006", "ZDXM-007", "ZDXM-009"
KITCHEN, GREENHOUSE = "ZDXM-012", "ZDXM-013"
HALL = "区行政审批局三楼第一会议室"
CENTRE = "区政务服务中心四楼联席会议室"

MEETINGS = [
    MeetingSpec(
        title="项目推动联席会议：开工前审批事项集中会商",
        kind=K.JOINT_MEETING,
        organiser="helper2",
        day=-78,
        start="14:30",
        end="16:30",
        place=HALL,
        scheduled=(-83, "10:00"),
        projects=(BATTERY, TOWER, GEARBOX),
        people=("helper", "staff"),
        departments=("DRC", "PNR", "URB", "AMR", "COM", "DZ"),
        declines=("officer.pnr3",),
        agenda=(
            AgendaSpec(
                BATTERY,
                "新能源汽车动力电池包项目：开工后建筑垃圾处置核准与开发区配套事项",
                item="URB-01",
                minutes="项目已取得施工许可并开工。建筑垃圾处置核准已受理，区城管委承诺4个工作日内"
                "办结；开发区分中心负责园区道路开口等配套事项，同步办理。",
            ),
            AgendaSpec(
                TOWER,
                "华信国际商务大厦：用地预审与选址意见书申报前指导",
                item="PNR-01",
                minutes="区规资局对拟选址范围图提出修改意见，出具一次性告知单；企业按告知单准备材料，"
                "下周正式申报。",
            ),
            AgendaSpec(
                GEARBOX,
                "精密减速机生产项目：外资企业设立与项目前期手续",
                item="AMR-01",
                minutes="德资企业，区商务委、区市场监管局提供企业设立“一窗通办”，帮办员全程代办；"
                "外方代表需要英文版一次性告知单。",
                internal="外方关注年内开工，项目地块尚待完成收储，时间较紧，内部按倒排工期推进，"
                "暂不对外承诺开工日期。",
            ),
        ),
        actions=(
            ActionSpec(
                "建筑垃圾处置核准按承诺时限办结，不再要求企业重复提交运输车辆材料。",
                "电池包项目建筑垃圾处置核准4个工作日内办结",
                owner="dept:URB",
                agenda=0,
                working_days=4,
                closed=(-76, "15:20", "officer.urb", "已核准，建筑垃圾处置证已发放给施工单位。"),
            ),
            ActionSpec(
                "区规资局提前介入，申报前完成材料指导。",
                "华信大厦用地预审与选址材料申报前指导",
                owner="dept:PNR",
                agenda=1,
                working_days=5,
                closed=(-76, "10:40", "officer", "已对选址范围图提出修改意见并出具一次性告知单。"),
            ),
            ActionSpec(
                "企业设立由帮办员全程代办，告知材料提供英文版。",
                "为德科精密准备英文版一次性告知单并代办企业设立",
                owner="helper2",
                agenda=2,
                working_days=10,
                closed=(
                    -65,
                    "16:10",
                    "helper2",
                    "企业设立登记已办结，印章刻制、税务登记同步完成；英文版告知单已发企业。",
                ),
            ),
        ),
    ),
    MeetingSpec(
        title="项目推动联席会议：竣工验收并联推进及前期审批难点",
        kind=K.JOINT_MEETING,
        organiser="staff",
        day=-44,
        start="14:30",
        end="16:30",
        place=HALL,
        scheduled=(-49, "09:30"),
        projects=(GLASS, KITCHEN, GRAIN),
        people=("helper", "helper2"),
        departments=("DRC", "PNR", "CPNR", "HUR", "CAD", "AMR", "WAT"),
        declines=("officer.wat",),
        agenda=(
            AgendaSpec(
                GLASS,
                "汽车玻璃生产基地项目：竣工验收事项并联办理（规划核实、消防验收、人防验收、"
                "竣工验收备案）",
                item="HUR-03",
                minutes="项目主体工程已完工，企业计划下周申请竣工验收。会议明确：规划核实、消防验收、"
                "人防竣工验收备案同步受理、并联办理，由区住建委牵头组织联合验收，各部门同日到场。",
                internal="企业希望年底前投产以申报市级技改奖励，验收节点务必保证；消防检测如有问题"
                "先现场指导整改，避免出具不合格意见。",
            ),
            AgendaSpec(
                KITCHEN,
                "中央厨房及食品加工项目：食品生产许可现场核查与特种设备使用登记",
                item="AMR-05",
                minutes="食品生产许可已受理，区市场监管局本周内安排现场核查，对生产场所布局提出的"
                "整改建议企业承诺三日内完成；特种设备使用登记同步办理。",
            ),
            AgendaSpec(
                GRAIN,
                "粮食储备库扩建工程：可行性研究报告投资估算补正",
                item="DRC-04",
                minutes="区发改委已出具补正通知（配套工程费用）；帮办员协助企业三个工作日内补齐，"
                "区发改委收到后五个工作日内办结。",
                internal="市级补助资金尚未下达，区发改委意见：可研先行批复，概算阶段再落实资金来源。",
            ),
        ),
        actions=(
            ActionSpec(
                "竣工验收实行联合验收，一次到场、限时出具意见。",
                "汽车玻璃项目竣工联合验收（区住建委牵头）",
                owner="dept:HUR",
                agenda=0,
                working_days=10,
                closed=(
                    -30,
                    "17:00",
                    "officer.hur",
                    "已组织规划核实、消防验收、人防验收联合到场，消防验收意见已出具，"
                    "竣工验收备案已受理。",
                ),
            ),
            ActionSpec(
                "帮办员协助企业补齐投资估算，区发改委收到后恢复计时。",
                "协助区粮食储备公司补充配套工程投资估算",
                owner="helper",
                agenda=2,
                working_days=3,
                closed=(-41, "11:30", "helper", "企业已提交补正材料，区发改委已恢复计时。"),
            ),
            ActionSpec(
                "食品生产许可现场核查提前到本周。",
                "中央厨房项目食品生产许可现场核查",
                owner="dept:AMR",
                agenda=1,
                working_days=5,
                closed=(-34, "15:00", "officer.amr", "现场核查通过，食品生产许可证已核发。"),
            ),
            ActionSpec(
                "粮食储备库扩建用地按划拨方式办理，市规资分局研究办理路径并书面答复。",
                "研究粮食储备库扩建项目划拨用地手续办理路径并书面答复",
                owner="dept:CPNR",
                agenda=2,
                working_days=15,
            ),
        ),
    ),
    MeetingSpec(
        title="项目推动联席会议：环评、取水与规划许可协调",
        kind=K.JOINT_MEETING,
        organiser="staff",
        day=-12,
        start="14:30",
        end="16:40",
        place=CENTRE,
        scheduled=(-17, "10:00"),
        projects=(SOLAR, GREENHOUSE, TOWER, GEARBOX),
        people=("helper", "helper2"),
        departments=("ECO", "WAT", "PNR", "HUR", "CAD", "AGR"),
        declines=("officer.cad",),
        agenda=(
            AgendaSpec(
                SOLAR,
                "20兆瓦渔光互补光伏发电项目：环评报告表审批与洪水影响评价",
                item="ECO-02",
                minutes="区生态环境局反映报告表中升压站位置与现场不一致，需现场核实；区水务局提出"
                "洪水影响评价需论证行洪断面。会议决定组织现场联合踏勘，现场统一意见。",
            ),
            AgendaSpec(
                GREENHOUSE,
                "智能温室现代农业示范园：取水许可不予批准后的灌溉水源方案",
                item="WAT-01",
                minutes="项目位于地下水禁采区，取水许可已依法不予批准。会议明确改用地表水及再生水"
                "灌溉，区水务局指导企业编制新的取水方案；乡村建设规划许可按承诺时限办结。",
                internal="企业对不予批准有意见，帮办员做好解释；如再生水管网年内不能接通，"
                "由王稳庄镇协调临时从排灌渠取水。",
            ),
            AgendaSpec(
                TOWER,
                "华信国际商务大厦：消防设计审查与人防设计审查并联办理",
                item="HUR-02",
                minutes="消防设计审查已受理，人防工程设计审查材料准备中。两项审查并联办理，"
                "企业同步准备人防易地建设费缴纳材料。",
            ),
            AgendaSpec(
                GEARBOX,
                "精密减速机生产项目：环评报告表技术评估",
                item="ECO-02",
                minutes="外资项目，企业希望年内开工。区生态环境局同意技术评估与审批同步开展；"
                "环评单位需补充废气监测数据。",
            ),
        ),
        actions=(
            ActionSpec(
                "组织区生态环境局、区水务局、区农业农村委等部门现场联合踏勘，现场统一意见。",
                "组织渔光互补项目现场联合踏勘",
                owner="helper2",
                agenda=0,
                working_days=10,
                closed=(
                    -2,
                    "17:30",
                    "helper2",
                    "已组织区生态环境局、区水务局、区农业农村委、王稳庄镇现场联合踏勘，"
                    "形成踏勘意见。",
                ),
            ),
            ActionSpec(
                "改用地表水及再生水灌溉，区水务局指导企业编制取水方案。",
                "指导智能温室项目编制地表水取水方案",
                owner="dept:WAT",
                agenda=1,
                working_days=5,
            ),
            ActionSpec(
                "乡村建设规划许可按承诺时限办结，不得逾期。",
                "智能温室项目乡村建设规划许可证按承诺时限办结",
                owner="dept:PNR",
                agenda=1,
                due_of="PNR-07",
                working_days=6,
            ),
            ActionSpec(
                "消防设计审查一次性告知需补正的全部内容。",
                "华信大厦消防设计审查一次性告知补正内容",
                owner="dept:HUR",
                agenda=2,
                working_days=5,
                closed=(
                    -6,
                    "16:30",
                    "officer.hur",
                    "已出具补正通知（疏散宽度计算），设计单位正在修改。",
                ),
            ),
            ActionSpec(
                "技术评估与审批同步开展，压缩审批时间。",
                "精密减速机项目环评技术评估与审批同步开展",
                owner="dept:ECO",
                agenda=3,
                working_days=15,
            ),
        ),
    ),
    MeetingSpec(
        title="汽车玻璃生产基地主动到府服务：二期用地与一期投产问题",
        kind=K.SITE_SERVICE,
        organiser="helper",
        day=-2,
        start="09:30",
        end="11:30",
        place="经济技术开发区 津晶汽车玻璃（天津）有限公司厂区",
        scheduled=(-6, "15:00"),
        projects=(GLASS_II, GLASS),
        people=("enterprise", "staff"),
        departments=("DZ", "PNR", "TRN", "AMR"),
        declines=("officer.pnr2",),
        agenda=(
            AgendaSpec(
                GLASS_II,
                "二期项目用地规模与规划条件",
                minutes="企业介绍二期天幕玻璃及HUD抬头显示玻璃生产线方案，拟用地约120亩。开发区"
                "分中心、区规资局现场查看地块，明确先行出具规划条件，企业同步开展项目备案。",
                internal="二期用地需占用开发区年度新增建设用地指标，区规资局评估可调剂约100亩，"
                "余量需向市局申请；暂不向企业承诺用地规模。",
            ),
            AgendaSpec(
                GLASS,
                "一期投产后企业反映的问题",
                minutes="企业反映员工通勤不便、夜班公交不足，以及特种设备定期检验预约难。区交通局"
                "研究增设公交站点，区市场监管局协调检验机构上门服务。",
            ),
        ),
        findings=(
            FindingSpec(
                "helper",
                GLASS_II,
                "二期拟用地块位于一期厂区东侧，现状为已平整的工业储备用地（约120亩），四至清楚，"
                "无地上附着物；东侧市政道路及给排水、燃气管线已接通。",
                minute=25,
            ),
            FindingSpec(
                "officer.dz",
                GLASS_II,
                "地块在开发区“标准地”出让计划内，区域评估（环评、能评、压覆矿产）成果可直接共享，"
                "企业无需单独编制。",
                minute=50,
            ),
            FindingSpec(
                "officer.amr",
                GLASS,
                "一期厂区在用特种设备（叉车、桥式起重机）共12台，其中5台定期检验下月到期。",
                minute=80,
            ),
        ),
        actions=(
            ActionSpec(
                "先行出具二期地块规划条件，企业同步开展前期工作。",
                "出具汽车玻璃二期地块规划条件",
                owner="dept:PNR",
                agenda=0,
                working_days=10,
            ),
            ActionSpec(
                "帮办员指导企业准备二期备案及节能审查材料，先网上预审。",
                "指导企业编制二期项目备案及节能审查材料并开展网上预审",
                owner="helper",
                agenda=0,
                working_days=5,
                closed=(
                    -1,
                    "16:00",
                    "helper",
                    "备案申请材料已完成网上预审，待企业确定投资额后正式提交。",
                ),
            ),
            ActionSpec(
                "区交通局研究增设公交站点和夜班线路。",
                "研究在汽车玻璃厂区北门增设公交站点及夜班线路",
                owner="dept:TRN",
                agenda=1,
                working_days=15,
            ),
            ActionSpec(
                "区市场监管局协调检验机构上门检验。",
                "协调特种设备检验机构上门定期检验",
                owner="dept:AMR",
                agenda=1,
                working_days=5,
                closed=(
                    -1,
                    "10:20",
                    "officer.amr",
                    "已协调市特种设备检验院下周二上门检验叉车、起重机等12台设备。",
                ),
            ),
        ),
    ),
    MeetingSpec(
        title="20兆瓦渔光互补光伏发电项目现场联合踏勘",
        kind=K.SITE_INSPECTION,
        organiser="helper2",
        day=-2,
        start="14:00",
        end="17:00",
        place="王稳庄镇 渔光互补光伏项目坑塘现场",
        scheduled=(-9, "11:00"),
        projects=(SOLAR,),
        departments=("ECO", "WAT", "AGR", "TWWZ"),
        declines=("officer.eco2",),
        agenda=(
            AgendaSpec(
                SOLAR,
                "环评、洪水影响评价及养殖证现场核实",
                item="ECO-02",
                minutes="踏勘组逐一查看升压站、光伏阵列区、坑塘养殖区和排沥河段。一致意见：环评报告表"
                "补充升压站位置调整说明后即可审批；洪水影响评价结论可以采纳；养殖证由村集体申办后"
                "企业承租。",
            ),
        ),
        findings=(
            FindingSpec(
                "officer.eco",
                SOLAR,
                "光伏阵列区布置与环评报告表一致；升压站实际位置较报告表图示向东移约80米，距最近村庄"
                "约420米，需在报告表中补充说明并复核噪声预测。",
                minute=40,
                photo="升压站位置现场照片.png",
            ),
            FindingSpec(
                "officer.wat",
                SOLAR,
                "场区内排沥河段行洪断面未被光伏桩基占用，桩基间距满足行洪要求，"
                "洪水影响评价报告结论可以采纳。",
                minute=80,
            ),
            FindingSpec(
                "officer.agr",
                SOLAR,
                "坑塘现由3户养殖户承包经营，需由村集体统一申办水域滩涂养殖证后再由企业承租，"
                "养殖证申请人需变更。",
                minute=110,
            ),
            FindingSpec(
                "officer.twwz",
                SOLAR,
                "升压站进场道路需占用村道约200米，镇政府同意企业拓宽并负责日常养护。",
                minute=140,
            ),
        ),
        actions=(
            ActionSpec(
                "企业补充升压站位置调整说明后，区生态环境局作出审批决定。",
                "收到补充说明后作出渔光互补项目环评审批决定",
                owner="dept:ECO",
                agenda=0,
                working_days=5,
            ),
            ActionSpec(
                "帮办员督促企业补充说明并上传。",
                "督促企业补充升压站位置调整说明并上传",
                owner="helper2",
                agenda=0,
                working_days=2,
                closed=(-1, "15:30", "helper2", "企业已上传补充说明，区生态环境局已接收。"),
            ),
            ActionSpec(
                "养殖证由村集体申办，企业承租。",
                "指导村集体申办水域滩涂养殖证并变更申请人",
                owner="dept:AGR",
                agenda=0,
                working_days=10,
            ),
        ),
    ),
    MeetingSpec(
        title="项目推动联席会议：逾期与暂停审批事项调度",
        kind=K.JOINT_MEETING,
        organiser="helper",
        day=4,
        start="14:30",
        end="16:30",
        place=CENTRE,
        scheduled=(-1, "10:00"),
        projects=(GRAIN, TOWER, GEARBOX, GREENHOUSE),
        people=("helper2",),
        departments=("ECO", "PNR", "HUR", "WAT", "CMET", "CAD"),
        agenda_from_proposals=8,
        agenda_at=(-1, "10:30"),
        answers=(
            ("helper2", A.ATTEND, -1, "10:45"),
            ("officer.eco", A.ATTEND, -1, "14:10"),
            ("officer.cmet", A.ATTEND, -1, "15:05"),
            ("officer.cad", A.DECLINE, -1, "16:20"),
        ),
    ),
    MeetingSpec(
        title="重点企业家季度座谈会",
        kind=K.FORUM,
        organiser="staff",
        day=7,
        start="09:30",
        end="11:30",
        place="区政务服务中心二楼多功能厅",
        scheduled=(-6, "09:00"),
        people=("enterprise", "enterprise2", "helper", "helper2"),
        departments=("DRC", "PNR", "AMR", "TAX", "HUR", "COM"),
        answers=(
            ("helper", A.ATTEND, -6, "09:40"),
            ("enterprise", A.ATTEND, -5, "10:15"),
            ("officer.drc", A.ATTEND, -5, "11:00"),
            ("officer.amr", A.ATTEND, -4, "09:20"),
            ("officer.tax", A.DECLINE, -3, "14:30"),
            ("officer.com", A.ATTEND, -2, "16:45"),
        ),
    ),
]
MEETING_TITLES = [spec.title for spec in MEETINGS]


# --- dates ------------------------------------------------------------------------------------


class _Days:
    """Working days counted from `today` (negative before it), and moments on them."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self._cache: dict[int, date] = {0: today}

    def date(self, day: int) -> date:
        if day not in self._cache:
            step = -1 if day < 0 else 1
            current, counted = self.today, 0
            while counted < abs(day):
                current += timedelta(days=step)
                if self.calendar.is_working(current):
                    counted += 1
            self._cache[day] = current
        return self._cache[day]

    def moment(self, day: int, hhmm: str, plus_minutes: int = 0) -> datetime:
        hour, minute = map(int, hhmm.split(":"))
        start = datetime.combine(self.date(day), time(hour, minute))
        return timezone.make_aware(start + timedelta(minutes=plus_minutes))


def small_png(width: int = 48, height: int = 32) -> bytes:
    """A tiny valid PNG: sky, solar panels in rows, water between them."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if y < height // 3:
                pixel = (150, 200, 235)
            elif (y - height // 3) % 6 < 3 and x % 12 < 10:
                pixel = (30, 55, 110)
            else:
                pixel = (70, 130, 150)
            row.extend(pixel)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


# --- planning and running ---------------------------------------------------------------------


class _Seeder:
    """Turns the specs into dated steps, then runs them in time order through the services."""

    def __init__(self, specs: list[MeetingSpec], days: _Days) -> None:
        self.specs = specs
        self.days = days
        self.steps: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.meetings: dict[str, Meeting] = {}
        self.agenda: dict[str, list[int]] = {}
        self.actions: dict[tuple[str, int], ActionItem] = {}
        # Follow-ups recorded without their project, to link once the history is written.
        self.links: dict[tuple[str, int], tuple[Project, int | None]] = {}
        self._load()

    def _load(self) -> None:
        codes = {code for spec in self.specs for code in spec.projects}
        self.projects = {p.code: p for p in Project.objects.filter(code__in=codes)}
        if missing := codes - set(self.projects):
            raise RuntimeError(
                f"Seed the demo projects first; missing: {', '.join(sorted(missing))}"
            )
        keys = {key for spec in self.specs for key in spec.departments}
        keys |= {
            a.owner[5:] for spec in self.specs for a in spec.actions if a.owner.startswith("dept:")
        }
        by_name = {
            d.name: d
            for d in Department.objects.filter(
                name__in=[DEPARTMENT_NAMES[k] for k in keys]
            ).prefetch_related("officers")
        }
        self.departments = {key: by_name[DEPARTMENT_NAMES[key]] for key in keys}
        usernames = {spec.organiser for spec in self.specs}
        usernames |= {u for spec in self.specs for u in spec.people}
        for department in self.departments.values():
            usernames |= {o.username for o in department.officers.all() if o.is_active}
        usernames |= {a.closed[2] for spec in self.specs for a in spec.actions if a.closed}
        usernames |= {f.author for spec in self.specs for f in spec.findings}
        usernames |= {a[0] for spec in self.specs for a in spec.answers}
        self.users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        if missing := usernames - set(self.users):
            raise RuntimeError(
                f"Seed the demo accounts first; missing: {', '.join(sorted(missing))}"
            )

    def _add(self, at: datetime, step: Callable[[datetime], None]) -> None:
        self.steps.append((at, len(self.steps), step))

    def invited(self, spec: MeetingSpec) -> list[str]:
        """Who the meeting reaches: its people and the officers of its departments."""
        names = dict.fromkeys(spec.people)
        for key in spec.departments:
            for officer in self.departments[key].officers.all():
                if officer.is_active:
                    names.setdefault(officer.username)
        names.pop(spec.organiser, None)
        return list(names)

    def plan(self) -> None:
        for spec in self.specs:
            self._plan_meeting(spec)

    def _plan_meeting(self, spec: MeetingSpec) -> None:
        days = self.days
        start = days.moment(spec.day, spec.start)
        end = days.moment(spec.day, spec.end)
        scheduled = days.moment(*spec.scheduled)
        rng = random.Random(spec.title)

        def schedule(now: datetime) -> None:
            meeting, _warnings = meeting_schedule(
                actor=self.users[spec.organiser],
                title=spec.title,
                kind=spec.kind,
                start=start,
                end=end,
                place=spec.place,
                projects=[self.projects[c] for c in spec.projects],
                participants=[self.users[u] for u in spec.people],
                departments=[self.departments[k] for k in spec.departments],
                now=now,
            )
            self.meetings[spec.title] = meeting

        self._add(scheduled, schedule)
        agenda_at = (
            days.moment(*spec.agenda_at) if spec.agenda_at else scheduled + timedelta(minutes=40)
        )
        if spec.agenda or spec.agenda_from_proposals:
            self._add(agenda_at, lambda now: self._set_agenda(spec, now))
        if spec.held:
            attending = []
            for username in self.invited(spec):
                answer = A.DECLINE if username in spec.declines else A.ATTEND
                if answer == A.ATTEND:
                    attending.append(username)
                # Each answers some time between the invitation and the day before the meeting.
                day = rng.randint(spec.scheduled[0], spec.day - 1)
                at = days.moment(day, "09:00", rng.randint(0, 480))
                at = max(at, scheduled + timedelta(minutes=rng.randint(5, 90)))
                self._add(at, self._respond(spec.title, username, answer))
            self._add(end + timedelta(minutes=5), lambda now: self._record(spec, attending, now))
        else:
            for username, answer, day, hhmm in spec.answers:
                self._add(days.moment(day, hhmm), self._respond(spec.title, username, answer))
        for finding in spec.findings:
            at = start + timedelta(minutes=finding.minute)
            self._add(at, lambda now, f=finding: self._finding(spec, f, now))
        for index, action in enumerate(spec.actions):
            at = end + timedelta(minutes=10 + 3 * index)
            self._add(at, lambda now, i=index, a=action: self._create_action(spec, i, a, now))
            if action.closed:
                day, hhmm, username, note = action.closed
                self._add(
                    days.moment(day, hhmm),
                    lambda now, i=index, u=username, n=note: self._close_action(spec, i, u, n, now),
                )

    def run(self) -> None:
        for at, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            if timezone.localdate(at) >= self.days.today:
                raise ValueError("the demo writes history only: every step is before today")
            step(at)
        for key, (project, agenda_item_id) in self.links.items():
            ActionItem.objects.filter(pk=self.actions[key].pk).update(
                project=project, agenda_item_id=agenda_item_id
            )

    # --- the steps ----------------------------------------------------------------------------

    def _respond(self, title: str, username: str, answer: str) -> Callable[[datetime], None]:
        def respond(now: datetime) -> None:
            meeting_respond(
                actor=self.users[username],
                meeting_id=self.meetings[title].pk,
                answer=answer,
                now=now,
            )

        return respond

    def _set_agenda(self, spec: MeetingSpec, now: datetime) -> None:
        meeting = self.meetings[spec.title]
        items = []
        for entry in spec.agenda:
            project = self.projects[entry.project]
            approval = (
                project.approvals.filter(item__code=entry.item).first() if entry.item else None
            )
            items.append({"project": project, "approval": approval, "title": entry.title})
        if spec.agenda_from_proposals:
            proposals = [
                p
                for p in agenda_proposals(meeting, today=self.days.today)
                if p["approval"].status != Approval.Status.RECEIVED or _blocked(p["approval"])
            ]
            items += [
                {"project": p["project"], "approval": p["approval"], "title": p["title"]}
                for p in proposals[: spec.agenda_from_proposals]
            ]
        kept = agenda_set(
            actor=self.users[spec.organiser], meeting_id=meeting.pk, items=items, now=now
        )
        self.agenda[spec.title] = [a.pk for a in kept]

    def _record(self, spec: MeetingSpec, attending: list[str], now: datetime) -> None:
        agenda = self.agenda.get(spec.title, [])
        meeting_record(
            actor=self.users[spec.organiser],
            meeting_id=self.meetings[spec.title].pk,
            attended=[self.users[u].pk for u in attending],
            minutes={pk: entry.minutes for pk, entry in zip(agenda, spec.agenda, strict=False)},
            internal_minutes={
                pk: entry.internal
                for pk, entry in zip(agenda, spec.agenda, strict=False)
                if entry.internal
            },
            publish=True,
            now=now,
        )

    def _finding(self, spec: MeetingSpec, finding: FindingSpec, now: datetime) -> None:
        files = []
        if finding.photo:
            files.append(SimpleUploadedFile(finding.photo, small_png(), content_type="image/png"))
        finding_add(
            actor=self.users[finding.author],
            meeting_id=self.meetings[spec.title].pk,
            project=self.projects[finding.project],
            text=finding.text,
            files=files,
            now=now,
        )

    def _create_action(
        self, spec: MeetingSpec, index: int, action: ActionSpec, now: datetime
    ) -> None:
        meeting = self.meetings[spec.title]
        agenda_item_id = None
        code = action.project
        if action.agenda is not None:
            agenda_item_id = self.agenda[spec.title][action.agenda]
            code = spec.agenda[action.agenda].project
        project = self.projects[code] if code else None
        if project is not None and not self._stream_allows(project, now):
            # The project's stream already has later events: keep it chronological.
            self.links[(spec.title, index)] = (project, agenda_item_id)
            project, agenda_item_id = None, None
        due_date = None
        if action.due_of and code:
            approval = self.projects[code].approvals.filter(item__code=action.due_of).first()
            due_date = approval.due_date if approval is not None else None
        owner_user = owner_department = None
        if action.owner.startswith("dept:"):
            owner_department = self.departments[action.owner[5:]]
        else:
            owner_user = self.users[action.owner]
        self.actions[(spec.title, index)] = action_item_create(
            actor=self.users[spec.organiser],
            meeting_id=meeting.pk,
            decision=action.decision,
            title=action.title,
            owner_user=owner_user,
            owner_department=owner_department,
            due_date=due_date,
            working_days=None if due_date else action.working_days,
            project=project,
            agenda_item_id=agenda_item_id,
            now=now,
        )

    def _stream_allows(self, project: Project, now: datetime) -> bool:
        last = Event.objects.filter(stream=project_stream(project.pk)).aggregate(at=Max("at"))
        return last["at"] is None or last["at"] <= now

    def _close_action(
        self, spec: MeetingSpec, index: int, username: str, note: str, now: datetime
    ) -> None:
        action_item_close(
            actor=self.users[username],
            action_item_id=self.actions[(spec.title, index)].pk,
            note=note,
            now=now,
        )


def _blocked(approval: Approval) -> bool:
    """Whether a received approval still waits for a prerequisite of its project.

    `agenda_proposals` also calls an approval blocked when its prerequisites are approved
    already (it looks them up among the open approvals only); the demo agenda leaves those out.
    """
    required = set(approval.item.prerequisites.values_list("pk", flat=True))
    approved = set(
        approval.project.approvals.filter(status=Approval.Status.APPROVED).values_list(
            "item_id", flat=True
        )
    )
    return not required <= approved


def seed_meetings(*, today: date | None = None) -> int:
    """Load the demo meetings and visits with their history; returns how many were added.

    Needs the demo accounts and projects. Idempotent: meetings whose title exists are skipped.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        existing = set(
            Meeting.objects.filter(title__in=MEETING_TITLES).values_list("title", flat=True)
        )
        specs = [spec for spec in MEETINGS if spec.title not in existing]
        if not specs:
            return 0
        seeder = _Seeder(specs, _Days(today, WorkingCalendar.load()))
        seeder.plan()
        # The demo is in Chinese, whatever the language of the caller (proposed agenda items).
        with without_live_signals(), translation.override(settings.LANGUAGE_CODE):
            seeder.run()
    return len(specs)


def delete_meetings() -> None:
    """Remove the demo meetings and visits with their streams and the photos of their findings.

    For `seed_demo --reset`, which then deletes the demo accounts and officers: the meetings
    they organised and the action items they own go too (both protect their person).
    Their action items' events on the project streams go with the projects (`delete_projects`).
    """
    people = User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS] + EXTRA_OFFICERS)
    with transaction.atomic():
        meetings = Meeting.objects.filter(Q(title__in=MEETING_TITLES) | Q(organiser__in=people))
        ids = list(meetings.values_list("pk", flat=True))
        streams = [meeting_stream(i) for i in ids] + [meeting_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams).delete()
        StreamHead.objects.filter(stream__in=streams).delete()
        # An enterprise user's answer is on record in their own stream (services.meeting_respond).
        Event.objects.filter(
            stream__startswith="user:", event="meeting.answered", data__meeting_id__in=ids
        ).delete()
        photos = StoredFile.objects.filter(findings__meeting_id__in=ids).distinct()
        for stored in photos:
            # The file goes once the rows are gone for good.
            transaction.on_commit(partial(stored.file.storage.delete, stored.file.name))
        StoredFile.objects.filter(pk__in=[p.pk for p in photos]).delete()
        meetings.delete()
        ActionItem.objects.filter(owner_user__in=people).delete()
