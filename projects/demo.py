"""The demo data of the project-tracking core, for `seed_demo`.

The catalogue (departments, towns, approval items with their one-time notification lists and
prerequisites, industries with their standard item sets) is upserted by code or name on every
run. The projects are registered and carried through their approvals by the real services with
past `now=` moments, in one chronological order, so the event log reads like months of work.
Every date is counted back from `today` in working days, so the demo looks current whenever it
is loaded. Running it twice leaves the same data: projects that exist already are skipped.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from portal.events import without_live_signals
from portal.models import Event, StreamHead, User

from .clock import WorkingCalendar
from .models import (
    ApprovalItem,
    Department,
    Enterprise,
    Industry,
    ItemMaterial,
    Project,
    Town,
)
from .services import approval_transition, project_assign_helpers, project_register
from .streams import project_internal_stream, project_stream

CITY, DISTRICT, TOWN = Department.Level.CITY, Department.Level.DISTRICT, Department.Level.TOWN
PRE, BUILD, POST = "pre", "build", "post"  # when in a project's life an item is applied for
FREE = "不收费"
OFFICER_GROUP = "Department officers"

# --- departments ------------------------------------------------------------------------------

# key, level, name, English name, short name, head
DEPARTMENTS = [
    ("CPNR", CITY, "市规划和自然资源局区分局",
     "District Branch of the Municipal Planning and Natural Resources Bureau", "市规资分局",
     "局长 孟庆华"),
    ("CPS", CITY, "市公安局区分局", "District Branch of the Municipal Public Security Bureau",
     "公安分局", "局长 高建军"),
    ("CMET", CITY, "市气象局区分局", "District Branch of the Municipal Meteorological Bureau",
     "气象分局", "局长 宋雅琴"),
    ("DRC", DISTRICT, "区发展和改革委员会", "District Development and Reform Commission",
     "区发改委", "主任 张建国"),
    ("PNR", DISTRICT, "区规划和自然资源局", "District Planning and Natural Resources Bureau",
     "区规资局", "局长 李文涛"),
    ("HUR", DISTRICT, "区住房和城乡建设委员会",
     "District Housing and Urban-Rural Development Commission", "区住建委", "主任 王志强"),
    ("ECO", DISTRICT, "区生态环境局", "District Ecology and Environment Bureau",
     "区生态环境局", "局长 赵丽萍"),
    ("AMR", DISTRICT, "区市场监督管理局", "District Market Regulation Administration",
     "区市场监管局", "局长 陈永刚"),
    ("EMG", DISTRICT, "区应急管理局", "District Emergency Management Bureau", "区应急局",
     "局长 刘德明"),
    ("WAT", DISTRICT, "区水务局", "District Water Affairs Bureau", "区水务局", "局长 杨振华"),
    ("FIRE", DISTRICT, "区消防救援支队", "District Fire and Rescue Detachment", "消防支队",
     "支队长 黄海涛"),
    ("CAD", DISTRICT, "区人民防空办公室", "District Civil Air Defence Office", "区人防办",
     "主任 吴国庆"),
    ("COM", DISTRICT, "区商务委员会", "District Commerce Commission", "区商务委", "主任 郑晓东"),
    ("TAX", DISTRICT, "区税务局", "District Taxation Bureau", "区税务局", "局长 孙立军"),
    ("URB", DISTRICT, "区城市管理委员会", "District Urban Management Commission", "区城管委",
     "主任 何建平"),
    ("TRN", DISTRICT, "区交通运输局", "District Transport Bureau", "区交通局", "局长 许明辉"),
    ("AGR", DISTRICT, "区农业农村委员会", "District Agriculture and Rural Affairs Commission",
     "区农业农村委", "主任 韩春生"),
    ("HLT", DISTRICT, "区卫生健康委员会", "District Health Commission", "区卫健委",
     "主任 冯丽娟"),
    ("TYLQ", TOWN, "杨柳青镇政务服务中心", "Yangliuqing Town Government Service Centre",
     "杨柳青镇", "主任 马志勇"),
    ("TZJW", TOWN, "张家窝镇政务服务中心", "Zhangjiawo Town Government Service Centre",
     "张家窝镇", "主任 齐红霞"),
    ("TJW", TOWN, "精武镇政务服务中心", "Jingwu Town Government Service Centre", "精武镇",
     "主任 霍元杰"),
    ("TDS", TOWN, "大寺镇政务服务中心", "Dasi Town Government Service Centre", "大寺镇",
     "主任 常文斌"),
    ("TWWZ", TOWN, "王稳庄镇政务服务中心", "Wangwenzhuang Town Government Service Centre",
     "王稳庄镇", "主任 苗春雨"),
    ("TLQZ", TOWN, "李七庄街政务服务中心", "Liqizhuang Street Government Service Centre",
     "李七庄街", "主任 白晓燕"),
    ("DZ", TOWN, "开发区政务服务分中心", "Development Zone Government Service Sub-centre",
     "开发区分中心", "主任 孔德福"),
]  # fmt: skip

# Department key -> its officers (username, name). The first one acts by default. `officer` is
# the demo login; the others only make the queues realistic and cannot log in.
OFFICERS = {
    "CPNR": [("officer.cpnr", "韩雪")],
    "CPS": [("officer.cps", "邓志远")],
    "CMET": [("officer.cmet", "罗敏")],
    "DRC": [("officer.drc", "钱伟"), ("officer.drc2", "米佳")],
    "PNR": [("officer", "刘洋"), ("officer.pnr2", "周婷"), ("officer.pnr3", "何磊")],
    "HUR": [("officer.hur", "谢军"), ("officer.hur2", "唐菲")],
    "ECO": [("officer.eco", "蒋红梅"), ("officer.eco2", "沈涛")],
    "AMR": [("officer.amr", "曹颖")],
    "EMG": [("officer.emg", "潘宇")],
    "WAT": [("officer.wat", "田野")],
    "FIRE": [("officer.fire", "魏刚")],
    "CAD": [("officer.cad", "薛冰")],
    "COM": [("officer.com", "叶帆")],
    "TAX": [("officer.tax", "程静")],
    "URB": [("officer.urb", "袁博")],
    "TRN": [("officer.trn", "邹明")],
    "AGR": [("officer.agr", "石磊")],
    "HLT": [("officer.hlt", "龙芳")],
    "TYLQ": [("officer.tylq", "范文")],
    "TZJW": [("officer.tzjw", "方圆")],
    "TJW": [("officer.tjw", "段鹏")],
    "TDS": [("officer.tds", "雷鸣")],
    "TWWZ": [("officer.twwz", "贺琳")],
    "TLQZ": [("officer.tlqz", "汤洁")],
    "DZ": [("officer.dz", "孔亮")],
}
DEMO_LOGINS = {"officer"}  # created by portal.demo, not here
EXTRA_OFFICERS = [u for people in OFFICERS.values() for u, _n in people if u not in DEMO_LOGINS]

# name, English name, development zone
TOWNS = [
    ("杨柳青镇", "Yangliuqing Town", False),
    ("张家窝镇", "Zhangjiawo Town", False),
    ("精武镇", "Jingwu Town", False),
    ("大寺镇", "Dasi Town", False),
    ("王稳庄镇", "Wangwenzhuang Town", False),
    ("李七庄街", "Liqizhuang Street", False),
    ("经济技术开发区", "Economic and Technological Development Zone", True),
]
ZONE = "经济技术开发区"

# --- the approval-item catalogue --------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    code: str
    department: str
    name: str
    name_en: str
    statutory: int
    promised: int
    legal_basis: str
    materials: tuple[str, ...]  # "中文|English"; a leading "~" marks a non-key material
    requires: tuple[str, ...] = ()
    fee: str = FREE
    online: bool = False
    phase: str = PRE

    def material_rows(self) -> list[tuple[str, str, bool]]:
        rows = []
        for text in self.materials:
            key = not text.startswith("~")
            name, name_en = text.lstrip("~").split("|")
            rows.append((name, name_en, key))
        return rows


APP = "申请表|Application form"
LICENCE = "营业执照|Business licence"
PROXY = "~授权委托书及经办人身份证明|Power of attorney and the agent's ID"
COMMITMENT = "~信用承诺书|Credit commitment letter"
FILING = "~项目备案证明|Project filing certificate"


def _item(code, department, name, name_en, statutory, promised, legal_basis, *materials, **kw):
    return ItemSpec(
        code, department, name, name_en, statutory, promised, legal_basis, materials, **kw
    )


ITEMS = [
    # 区发改委
    _item("DRC-01", "DRC", "企业投资项目备案", "Filing of an enterprise investment project", 5, 1,
          "《企业投资项目核准和备案管理条例》（国务院令第673号）第十三条、第十四条",
          "项目备案申请表|Project filing form", LICENCE,
          "项目基本情况说明（建设内容、规模、总投资）|Project outline (scope, scale, investment)",
          "~项目单位承诺书|Commitment letter of the project unit", online=True),
    _item("DRC-02", "DRC", "企业投资项目核准", "Approval of an enterprise investment project",
          20, 10, "《企业投资项目核准和备案管理条例》第九条；《政府核准的投资项目目录》",
          "项目申请报告|Project application report",
          "用地预审与选址意见书|Land pre-examination and site-selection opinion",
          "~社会稳定风险评估报告|Social-stability risk assessment", PROXY,
          requires=("PNR-01",)),
    _item("DRC-03", "DRC", "固定资产投资项目节能审查",
          "Energy-conservation review of a fixed-asset investment project", 20, 10,
          "《固定资产投资项目节能审查办法》（国家发展改革委令2023年第2号）",
          "节能审查申请|Application for the energy review",
          "节能报告|Energy-conservation report", FILING,
          "~节能报告专家评审意见|Expert opinion on the energy report",
          requires=("DRC-01",), online=True),
    _item("DRC-04", "DRC", "政府投资项目可行性研究报告审批",
          "Approval of the feasibility study of a government-invested project", 20, 12,
          "《政府投资条例》（国务院令第712号）第九条、第十一条",
          "可行性研究报告审批申请|Application", "可行性研究报告|Feasibility study report",
          "资金来源证明|Proof of funding", "~专家评审意见|Expert review opinion",
          "~社会稳定风险评估报告|Social-stability risk assessment"),
    _item("DRC-05", "DRC", "政府投资项目初步设计及概算审批",
          "Approval of the preliminary design and budget of a government-invested project",
          20, 10, "《政府投资条例》第十二条",
          "审批申请文件|Application", "初步设计文件|Preliminary design documents",
          "投资概算书|Budget estimate", "~可行性研究报告批复|Feasibility study approval",
          requires=("DRC-04",)),
    _item("DRC-06", "DRC", "粮食收购企业备案", "Filing of a grain-purchasing enterprise", 5, 1,
          "《粮食流通管理条例》（2021年修订）第九条",
          "粮食收购企业备案表|Filing form", LICENCE,
          "仓储设施及检验设备情况|Storage facilities and testing equipment",
          online=True, phase=POST),
    # 区规资局
    _item("PNR-01", "PNR", "建设项目用地预审与选址意见书",
          "Land pre-examination and site-selection opinion", 20, 10,
          "《中华人民共和国土地管理法》第五十二条；《中华人民共和国城乡规划法》第三十六条",
          "用地预审与选址申请表|Application form",
          "拟选址位置图及用地范围图|Site location and boundary map",
          "项目建设依据（备案、核准或可研文件）|Basis of the project (filing or feasibility)",
          "~节地评价报告|Land-saving evaluation", PROXY),
    _item("PNR-02", "PNR", "建设用地规划许可证", "Planning permit for construction land", 20, 10,
          "《中华人民共和国城乡规划法》第三十七条、第三十八条", APP,
          "国有建设用地使用权出让合同或划拨决定书|Land grant contract or allocation decision",
          "用地红线图及地形图|Land boundary and topographic map", PROXY,
          requires=("PNR-01",)),
    _item("PNR-03", "PNR", "建设工程规划许可证", "Planning permit for construction works", 20, 10,
          "《中华人民共和国城乡规划法》第四十条", APP,
          "建设工程设计方案总平面图|Site plan of the design scheme",
          "建筑施工图（平、立、剖面）|Architectural drawings",
          "不动产权证书或土地权属证明|Land title", "~日照分析报告|Sunlight analysis", PROXY,
          requires=("PNR-02", "PNR-04")),
    _item("PNR-04", "PNR", "建设工程设计方案审查",
          "Review of the design scheme of construction works", 20, 7,
          "《中华人民共和国城乡规划法》第四十条；《天津市城乡规划条例》", APP,
          "设计方案文本及总平面图|Design scheme and site plan", "规划条件|Planning conditions",
          "~设计方案效果图|Renderings", requires=("PNR-02",), online=True),
    _item("PNR-05", "PNR", "建设工程规划核实", "Planning verification of completed works", 20, 10,
          "《中华人民共和国城乡规划法》第四十五条", "规划核实申请表|Application form",
          "竣工测绘报告|As-built survey report",
          "建设工程规划许可证及附图|Construction-works planning permit with drawings",
          "~竣工现状照片|Photographs of the completed works",
          requires=("PNR-03",), phase=POST),
    _item("PNR-06", "PNR", "临时用地审批", "Approval of temporary land use", 20, 10,
          "《中华人民共和国土地管理法》第五十七条", APP,
          "土地复垦方案|Land reclamation plan", "临时使用土地合同|Temporary land-use contract",
          "用地位置图|Location map", "~土地复垦费用预存证明|Proof of the reclamation deposit",
          phase=BUILD),
    _item("PNR-07", "PNR", "乡村建设规划许可证", "Rural construction planning permit", 20, 10,
          "《中华人民共和国城乡规划法》第四十一条", APP,
          "村民委员会意见|Opinion of the village committee",
          "建设工程设计方案|Design scheme", "土地权属证明|Land title",
          "~现状照片|Photographs of the site", online=True),
    # 市规资分局
    _item("CPNR-01", "CPNR", "农用地转用审批", "Approval of the conversion of agricultural land",
          20, 15, "《中华人民共和国土地管理法》第四十四条",
          "建设用地呈报说明书|Land-use submission", "农用地转用方案|Conversion plan",
          "补充耕地方案|Plan for replacement farmland",
          "勘测定界图|Survey and demarcation map",
          "~征地社会稳定风险评估报告|Social-stability risk assessment"),
    _item("CPNR-02", "CPNR", "国有建设用地使用权首次登记",
          "First registration of state-owned construction land use rights", 30, 5,
          "《不动产登记暂行条例》第十四条、第二十条",
          "不动产登记申请书|Registration application", LICENCE,
          "土地出让合同及缴款凭证|Land grant contract and payment receipts",
          "不动产权籍调查成果|Cadastral survey", "~完税凭证|Tax receipts",
          requires=("PNR-02",), fee="不动产登记费：非住宅550元/件", online=True),
    _item("CPNR-03", "CPNR", "房屋所有权首次登记", "First registration of building ownership",
          30, 5, "《不动产登记暂行条例》第十四条、第二十条",
          "不动产登记申请书|Registration application",
          "不动产权证书（土地）|Land title certificate",
          "竣工验收备案证明|Completion-acceptance filing certificate",
          "房屋测绘报告|Building survey report", PROXY,
          requires=("HUR-04", "CPNR-02"), fee="不动产登记费：非住宅550元/件", online=True,
          phase=POST),
    # 区住建委
    _item("HUR-01", "HUR", "建筑工程施工许可证核发", "Construction permit for building works", 7, 3,
          "《中华人民共和国建筑法》第七条、第八条；《建筑工程施工许可管理办法》",
          "施工许可申请表|Application form",
          "建设工程规划许可证|Construction-works planning permit",
          "施工合同及中标通知书|Construction contract and letter of award",
          "施工图设计文件审查合格书|Certificate of the construction-drawing review",
          "建设资金落实承诺书|Commitment on construction funding",
          "~质量安全监督登记|Quality and safety supervision registration", PROXY,
          requires=("PNR-03", "HUR-02", "CAD-01"), online=True),
    _item("HUR-02", "HUR", "建设工程消防设计审查",
          "Fire-protection design review of construction works", 15, 10,
          "《中华人民共和国消防法》第十一条；《建设工程消防设计审查验收管理暂行规定》"
          "（住房和城乡建设部令第51号）",
          "消防设计审查申请表|Application form",
          "消防设计文件|Fire-protection design documents",
          "设计单位资质证明|Qualification of the design institute",
          "~特殊消防设计专家评审意见|Expert opinion on special fire design",
          "~消防设计说明专篇电子版|Electronic copy of the fire design chapter",
          requires=("PNR-04",)),
    _item("HUR-03", "HUR", "建设工程消防验收", "Fire-protection acceptance of construction works",
          15, 10, "《中华人民共和国消防法》第十三条；住房和城乡建设部令第51号",
          "消防验收申请表|Application form",
          "工程竣工验收报告|Completion acceptance report",
          "消防设施检测报告|Fire-system test report",
          "~涉及消防的竣工图纸|As-built fire drawings", requires=("HUR-01",), phase=POST),
    _item("HUR-04", "HUR", "房屋建筑和市政基础设施工程竣工验收备案",
          "Completion-acceptance filing of building and municipal works", 15, 5,
          "《建设工程质量管理条例》第四十九条", "竣工验收备案表|Filing form",
          "工程竣工验收报告|Completion acceptance report",
          "规划核实意见|Planning verification opinion",
          "消防验收意见|Fire-protection acceptance opinion",
          "~工程质量保修书|Quality warranty",
          requires=("HUR-03", "PNR-05"), online=True, phase=POST),
    _item("HUR-05", "HUR", "建设工程招标投标情况书面报告备案",
          "Filing of the written report on construction tendering", 5, 2,
          "《中华人民共和国招标投标法》第四十七条",
          "招标投标情况书面报告|Written tendering report", "中标通知书|Letter of award",
          "评标报告|Bid evaluation report", "~招标文件|Tender documents", online=True),
    _item("HUR-06", "HUR", "商品房预售许可", "Pre-sale permit for commercial buildings", 10, 5,
          "《中华人民共和国城市房地产管理法》第四十五条；《城市商品房预售管理办法》", APP,
          "土地使用权证书|Land-use right certificate",
          "建设工程规划许可证和施工许可证|Planning and construction permits",
          "预售方案|Pre-sale plan", "~工程进度证明|Proof of construction progress",
          requires=("HUR-01",), phase=BUILD),
    # 区生态环境局
    _item("ECO-01", "ECO", "建设项目环境影响报告书审批",
          "Approval of an environmental impact report", 60, 20,
          "《中华人民共和国环境影响评价法》第二十二条",
          "环评审批申请|Application", "环境影响报告书|Environmental impact report",
          "公众参与说明|Public participation statement", FILING,
          requires=("DRC-01",)),
    _item("ECO-02", "ECO", "建设项目环境影响报告表审批",
          "Approval of an environmental impact form", 30, 10,
          "《中华人民共和国环境影响评价法》第二十二条",
          "环评审批申请|Application", "环境影响报告表|Environmental impact form", FILING,
          "~技术评估意见|Technical assessment opinion",
          requires=("DRC-01",), online=True),
    _item("ECO-03", "ECO", "排污许可证核发", "Pollutant discharge permit", 30, 15,
          "《排污许可管理条例》第十一条、第十三条",
          "排污许可证申请表|Application form", "自行监测方案|Self-monitoring plan",
          "污染防治设施说明|Pollution-control facilities",
          "~环评批复文件|EIA approval", online=True, phase=POST),
    _item("ECO-04", "ECO", "建设项目环境影响登记表备案",
          "Filing of an environmental impact registration form", 5, 1,
          "《中华人民共和国环境影响评价法》第二十二条；《建设项目环境影响登记表备案管理办法》",
          "环境影响登记表|Registration form", "项目基本情况|Project outline",
          "~备案承诺书|Commitment letter", online=True),
    _item("ECO-05", "ECO", "辐射安全许可证核发", "Radiation safety licence", 20, 10,
          "《放射性同位素与射线装置安全和防护条例》第八条", APP,
          "辐射安全管理制度|Radiation safety rules",
          "射线装置及场所情况|Radiation devices and premises",
          "辐射工作人员培训证明|Training of radiation workers", "~环评批复文件|EIA approval"),
    # 区市场监管局
    _item("AMR-01", "AMR", "企业设立登记", "Company set-up registration", 3, 1,
          "《中华人民共和国市场主体登记管理条例》第十九条",
          "设立登记申请书|Registration application", "公司章程|Articles of association",
          "股东主体资格证明|Shareholders' identity documents",
          "法定代表人、董事、监事、经理任职文件|Appointments of the legal representative and "
          "officers", "住所使用证明|Proof of the registered address", online=True),
    _item("AMR-02", "AMR", "企业变更登记", "Company change registration", 3, 1,
          "《中华人民共和国市场主体登记管理条例》第二十四条",
          "变更登记申请书|Change application", "股东会决议|Shareholders' resolution",
          "章程修正案|Amendment of the articles", "~原营业执照|Former business licence",
          online=True),
    _item("AMR-03", "AMR", "特种设备使用登记", "Registration of the use of special equipment",
          15, 5, "《中华人民共和国特种设备安全法》第三十三条",
          "特种设备使用登记表|Registration form",
          "产品合格证及监督检验证明|Product and inspection certificates",
          "安装质量证明|Installation certificate",
          "~安全管理人员及作业人员证书|Certificates of safety staff and operators",
          online=True, phase=POST),
    _item("AMR-04", "AMR", "食品经营许可", "Food business licence", 20, 10,
          "《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》",
          "食品经营许可申请书|Application", "食品安全管理制度|Food-safety rules",
          "经营场所平面图及设备布局图|Premises layout and equipment plan",
          "~食品安全管理人员证明|Food-safety manager certificate", online=True, phase=POST),
    _item("AMR-05", "AMR", "食品生产许可", "Food production licence", 20, 10,
          "《中华人民共和国食品安全法》第三十五条；《食品生产许可管理办法》",
          "食品生产许可申请书|Application",
          "生产场所平面图及工艺流程图|Layout and process flow chart",
          "生产设备清单|Equipment list", "食品安全管理制度|Food-safety rules",
          "~产品检验报告|Product test report", phase=POST),
    # 区应急局
    _item("EMG-01", "EMG", "危险化学品建设项目安全条件审查",
          "Safety-condition review of a hazardous-chemical construction project", 45, 20,
          "《危险化学品安全管理条例》第十二条", "安全条件审查申请书|Application",
          "安全评价报告|Safety assessment report", FILING,
          "~选址意见书|Site-selection opinion", requires=("DRC-01",)),
    _item("EMG-02", "EMG", "危险化学品建设项目安全设施设计审查",
          "Safety-facility design review of a hazardous-chemical construction project", 20, 10,
          "《危险化学品建设项目安全监督管理办法》第十四条", "设计审查申请书|Application",
          "安全设施设计专篇|Safety-facility design chapter",
          "安全条件审查意见书|Safety-condition review opinion",
          "~设计单位资质证明|Qualification of the design institute", requires=("EMG-01",)),
    _item("EMG-03", "EMG", "危险化学品经营许可证", "Hazardous-chemicals business licence", 30, 10,
          "《危险化学品安全管理条例》第三十三条、第三十五条", APP, LICENCE,
          "安全管理制度和岗位操作规程|Safety rules and operating procedures",
          "储存设施安全评价报告|Safety assessment of the storage",
          "~主要负责人安全资格证|Safety certificate of the manager", phase=POST),
    _item("EMG-04", "EMG", "生产安全事故应急预案备案",
          "Filing of the emergency plan for production-safety accidents", 20, 5,
          "《生产安全事故应急条例》第七条", "应急预案备案申请表|Filing form",
          "生产安全事故应急预案|Emergency plan", "应急预案评审意见|Review opinion on the plan",
          "~风险评估及应急资源调查报告|Risk assessment and resources survey",
          online=True, phase=POST),
    # 区水务局
    _item("WAT-01", "WAT", "取水许可", "Water abstraction permit", 45, 15,
          "《取水许可和水资源费征收管理条例》第十一条", "取水申请书|Application",
          "建设项目水资源论证报告|Water-resource assessment report",
          "取水工程说明|Description of the intake works",
          "~与第三者利害关系的说明|Statement on third-party interests",
          fee="水资源税（按实际取水量计征）"),
    _item("WAT-02", "WAT", "生产建设项目水土保持方案审批",
          "Approval of the soil and water conservation plan", 20, 10,
          "《中华人民共和国水土保持法》第二十五条", "审批申请|Application",
          "水土保持方案报告书（表）|Soil and water conservation plan", FILING,
          fee="水土保持补偿费（按占地面积一次性计征）", online=True),
    _item("WAT-03", "WAT", "城镇污水排入排水管网许可",
          "Permit to discharge wastewater into the municipal sewers", 20, 7,
          "《城镇排水与污水处理条例》第二十一条", APP,
          "排水管网及排放口位置图|Drainage network and outfall plan",
          "排水水质检测报告|Wastewater quality report", "~排水承诺书|Discharge commitment",
          online=True, phase=POST),
    _item("WAT-04", "WAT", "洪水影响评价类审批",
          "Flood-impact assessment approval for works in river zones", 20, 10,
          "《中华人民共和国防洪法》第二十七条；《中华人民共和国水法》第三十八条",
          "审批申请书|Application", "洪水影响评价报告|Flood-impact assessment report",
          "建设方案图|Scheme drawings", "~利害关系人意见|Opinions of affected parties"),
    # 消防支队
    _item("FIRE-01", "FIRE", "公众聚集场所投入使用、营业前消防安全检查",
          "Fire-safety inspection before a public-assembly venue opens", 10, 5,
          "《中华人民共和国消防法》第十五条", APP, LICENCE,
          "消防安全制度及灭火和应急疏散预案|Fire-safety rules and evacuation plan",
          "消防验收意见|Fire-protection acceptance opinion",
          "~员工消防安全培训记录|Staff fire-safety training records",
          requires=("HUR-03",), online=True, phase=POST),
    _item("FIRE-02", "FIRE", "大型群众性活动消防安全检查",
          "Fire-safety inspection of a large public event", 10, 3,
          "《中华人民共和国消防法》第二十条", APP, "活动方案|Event plan",
          "消防安全工作方案及应急预案|Fire-safety and emergency plan",
          "~场地平面图|Site plan"),
    # 区人防办
    _item("CAD-01", "CAD", "人民防空工程建设审批（防空地下室设计审查）",
          "Civil-air-defence works approval (shelter design review)", 20, 7,
          "《中华人民共和国人民防空法》第二十二条", APP,
          "人防工程设计文件|Civil-air-defence design documents",
          "建设工程设计方案审查意见|Design-scheme review opinion",
          "~易地建设费缴纳凭证|Receipt of the relocation fee",
          requires=("PNR-04",),
          fee="防空地下室易地建设费（应建未建的，按规定标准计收）"),
    _item("CAD-02", "CAD", "人防工程竣工验收备案",
          "Completion filing of civil-air-defence works", 15, 5,
          "《中华人民共和国人民防空法》第二十三条", "竣工验收备案表|Filing form",
          "人防工程竣工验收报告|Completion report", "竣工图纸|As-built drawings",
          "~质量监督报告|Quality supervision report", requires=("CAD-01",), phase=POST),
    # 区商务委
    _item("COM-01", "COM", "外商投资信息报告（初始报告）",
          "Foreign-investment information report (initial)", 3, 1,
          "《中华人民共和国外商投资法》第三十四条", "初始报告表|Initial report form",
          "外国投资者主体资格证明|Foreign investor's identity documents", LICENCE,
          "~实际控制人信息|Information on the ultimate controller",
          requires=("AMR-01",), online=True),
    _item("COM-02", "COM", "再生资源回收经营者备案", "Filing of a renewable-resource recycler",
          10, 3,
          "《再生资源回收管理办法》第七条", "备案登记表|Filing form", LICENCE,
          "经营场所证明|Proof of premises", online=True, phase=POST),
    # 区税务局
    _item("TAX-01", "TAX", "新办纳税人涉税事项套餐办理",
          "New-taxpayer package (tax registration and invoices)", 5, 1,
          "《中华人民共和国税收征收管理法》第十五条",
          "新办纳税人套餐表|Package form", LICENCE, "经办人身份证件|Agent's ID",
          "~财务负责人信息|Details of the chief accountant",
          requires=("AMR-01",), online=True),
    _item("TAX-02", "TAX", "增值税专用发票最高开票限额审批",
          "Approval of the maximum amount of special VAT invoices", 20, 5,
          "《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）",
          "最高开票限额申请单|Application", "经营情况说明|Business statement",
          "~购销合同|Sales and purchase contracts", requires=("TAX-01",), online=True),
    # 区城管委
    _item("URB-01", "URB", "城市建筑垃圾处置核准",
          "Approval of the disposal of construction waste", 20, 5,
          "《城市建筑垃圾管理规定》（建设部令第139号）第七条", APP,
          "建筑垃圾处置方案|Disposal plan",
          "运输单位及车辆清单|Haulier and vehicle list",
          "~消纳场所证明|Proof of the receiving site", online=True, phase=BUILD),
    _item("URB-02", "URB", "占用、挖掘城市道路审批",
          "Approval to occupy or dig up urban roads", 20, 7,
          "《城市道路管理条例》第二十九条、第三十条", APP,
          "施工方案及占挖位置图|Works plan and location map",
          "交通组织方案|Traffic management plan", "~道路恢复承诺书|Road restoration commitment",
          fee="城市道路占用费、挖掘修复费（按标准计收）", phase=BUILD),
    _item("URB-03", "URB", "设置大型户外广告审批", "Approval of large outdoor advertisements",
          20, 5, "《城市市容和环境卫生管理条例》第十一条", APP,
          "广告设计效果图及位置图|Design and location drawings",
          "结构安全检测报告|Structural safety report",
          "~场地使用协议|Site-use agreement", phase=POST),
    _item("URB-04", "URB", "临时占用城市绿地、砍伐或迁移城市树木审批",
          "Approval to occupy green space or fell or move urban trees", 20, 10,
          "《城市绿化条例》第二十条、第二十四条", APP,
          "占用绿地或树木迁移方案|Plan for the green space or trees",
          "现状照片及位置图|Photographs and location map",
          "~绿化补偿协议|Green-space compensation agreement",
          fee="绿地补偿费（按标准计收）", phase=BUILD),
    # 区交通局
    _item("TRN-01", "TRN", "公路建筑控制区内埋设管线、电缆等设施许可",
          "Permit to lay pipes or cables in a highway control zone", 20, 10,
          "《中华人民共和国公路法》第四十五条；《公路安全保护条例》第二十七条", APP,
          "管线设计图及施工方案|Design and works plan",
          "交通安全保障方案|Traffic safety plan", "~公路恢复承诺书|Restoration commitment",
          phase=BUILD),
    _item("TRN-02", "TRN", "道路货物运输经营许可", "Road freight transport operating licence", 20,
          5, "《中华人民共和国道路运输条例》第二十四条", APP, LICENCE,
          "车辆及驾驶人员情况|Vehicles and drivers",
          "安全生产管理制度|Safety management rules",
          "~停车场地证明|Proof of parking", online=True, phase=POST),
    _item("TRN-03", "TRN", "涉路施工许可", "Permit for works that affect highways", 20, 10,
          "《中华人民共和国公路法》第四十四条", APP,
          "施工方案及平面图|Works plan and drawing",
          "交通组织方案|Traffic management plan",
          "~施工单位资质|Contractor qualification", phase=BUILD),
    _item("TRN-04", "TRN", "公路增设平面交叉道口审批",
          "Approval of a new level junction onto a highway", 20, 10,
          "《中华人民共和国公路法》第五十五条；《公路安全保护条例》第二十七条", APP,
          "道口设计图|Junction design",
          "交通影响评价报告|Traffic impact assessment",
          "~公路管理机构意见|Opinion of the highway authority"),
    # 区农业农村委
    _item("AGR-01", "AGR", "水域滩涂养殖证核发",
          "Aquaculture certificate for waters and tidal flats", 20, 10,
          "《中华人民共和国渔业法》第十一条", APP,
          "养殖水域位置图|Map of the aquaculture waters",
          "水域使用权证明|Water-use rights", "~养殖方案|Aquaculture plan"),
    _item("AGR-02", "AGR", "农村土地经营权流转合同备案",
          "Filing of a rural land-management-right transfer contract", 10, 5,
          "《中华人民共和国农村土地承包法》第三十六条", "备案申请|Filing application",
          "土地经营权流转合同|Transfer contract",
          "村民委员会意见|Opinion of the village committee",
          "~地块四至图|Plot boundary map", online=True),
    _item("AGR-03", "AGR", "动物防疫条件合格证核发",
          "Animal epidemic-prevention conditions certificate", 20, 10,
          "《中华人民共和国动物防疫法》第二十五条", APP,
          "场所地理位置图及平面布局图|Location and layout plans",
          "动物防疫制度|Epidemic-prevention rules", "~兽医人员情况|Veterinary staff",
          phase=POST),
    # 区卫健委
    _item("HLT-01", "HLT", "医疗机构设置审批", "Approval to set up a medical institution", 30, 10,
          "《医疗机构管理条例》第九条", "设置申请书|Application",
          "设置可行性研究报告|Feasibility study", "选址报告和建筑设计平面图|Site report and plans",
          "~资金来源证明|Proof of funding"),
    _item("HLT-02", "HLT", "公共场所卫生许可", "Hygiene licence for public places", 20, 5,
          "《公共场所卫生管理条例》第八条", APP, LICENCE,
          "卫生管理制度|Hygiene rules", "~从业人员健康证明|Staff health certificates",
          online=True, phase=POST),
    _item("HLT-03", "HLT", "生活饮用水供水单位卫生许可（二次供水）",
          "Hygiene licence for a drinking-water supplier (secondary supply)", 20, 10,
          "《中华人民共和国传染病防治法》第二十九条；《生活饮用水卫生监督管理办法》", APP,
          "供水设施平面图|Plan of the supply installations",
          "水质检测报告|Water quality report", "~卫生管理制度|Hygiene rules", phase=POST),
    # 公安分局
    _item("CPS-01", "CPS", "印章刻制备案", "Filing of company seal engraving", 3, 1,
          "《国务院对确需保留的行政审批项目设定行政许可的决定》第37项",
          "印章刻制申请|Application", LICENCE, "法定代表人身份证明|ID of the legal representative",
          requires=("AMR-01",), fee="新办企业首套印章免费刻制", online=True),
    _item("CPS-02", "CPS", "门楼牌号编制", "Assignment of building and house numbers", 10, 3,
          "《地名管理条例》（国务院令第753号）第二十三条", APP,
          "建设工程规划许可证|Construction-works planning permit",
          "总平面图|Site plan", "~竣工照片|Photographs", phase=POST),
    # 气象分局
    _item("CMET-01", "CMET", "防雷装置设计审核", "Design review of lightning protection", 20, 5,
          "《中华人民共和国气象法》第三十一条；《气象灾害防御条例》第二十三条", APP,
          "防雷装置设计说明书及图纸|Lightning-protection design and drawings",
          "设计单位资质证明|Qualification of the design institute",
          "~防雷装置设计技术评价报告|Technical evaluation of the design"),
    _item("CMET-02", "CMET", "防雷装置竣工验收",
          "Completion acceptance of lightning protection", 20, 5,
          "《中华人民共和国气象法》第三十一条；《防雷装置设计审核和竣工验收规定》", APP,
          "防雷装置检测报告|Lightning-protection test report",
          "竣工图纸|As-built drawings", "~施工单位资质|Contractor qualification",
          requires=("CMET-01",), phase=POST),
    # 镇街与开发区
    _item("TYLQ-01", "TYLQ", "历史文化名镇保护范围内建设活动审查意见",
          "Opinion on building in the protected historic town", 20, 10,
          "《历史文化名城名镇名村保护条例》第二十八条", APP,
          "建设方案及风貌设计|Scheme and townscape design",
          "历史文化影响评估报告|Heritage impact assessment", "~现状照片|Photographs"),
    _item("TZJW-01", "TZJW", "临时用地选址初审意见",
          "Preliminary opinion on a temporary land-use site", 10, 5,
          "《中华人民共和国土地管理法》第五十七条", APP,
          "临时用地位置图|Location map", "村委会意见|Opinion of the village committee",
          "~土地复垦承诺|Reclamation commitment", phase=BUILD),
    _item("TJW-01", "TJW", "村庄道路及农田水利设施占用审批",
          "Approval to occupy village roads or irrigation works", 10, 5,
          "《农田水利条例》第三十一条", APP, "占用方案及位置图|Plan and map",
          "恢复方案|Restoration plan", "~村委会意见|Opinion of the village committee",
          phase=BUILD),
    _item("TDS-01", "TDS", "镇村道路占用挖掘审批",
          "Approval to occupy or dig town and village roads", 10, 5,
          "《农村公路条例》第二十五条", APP, "施工方案|Works plan",
          "交通疏导方案|Traffic plan", "~恢复承诺书|Restoration commitment", phase=BUILD),
    _item("TWWZ-01", "TWWZ", "设施农业用地备案", "Filing of land for facility agriculture", 10, 3,
          "《自然资源部 农业农村部关于设施农业用地管理有关问题的通知》（自然资规〔2019〕4号）",
          "设施农业用地备案表|Filing form", "用地协议|Land-use agreement",
          "设施建设方案|Facility plan", "~土地复垦承诺|Reclamation commitment", online=True),
    _item("TLQZ-01", "TLQZ", "施工围挡及临时设施设置备案",
          "Filing of site hoardings and temporary facilities", 5, 2,
          "《天津市市容和环境卫生管理条例》", "备案表|Filing form",
          "围挡设置方案|Hoarding plan", "~效果图|Renderings", phase=BUILD),
    _item("DZ-01", "DZ", "开发区项目入区准入评估", "Entry assessment of a project in the zone", 10,
          5, "《开发区管理条例》；开发区产业准入目录", "入区申请书|Entry application",
          "项目可行性说明|Project feasibility outline", LICENCE,
          "~投资强度及亩均效益承诺书|Commitment on investment intensity and yield per mu",
          online=True),
    _item("DZ-02", "DZ", "开发区施工临时设施搭建备案",
          "Filing of temporary construction facilities in the zone", 5, 2,
          "开发区建设管理规定", "备案表|Filing form", "临时设施平面布置图|Layout plan",
          "~安全承诺书|Safety commitment", phase=BUILD),
]  # fmt: skip
CATALOGUE = {spec.code: spec for spec in ITEMS}

# code, name, English name, standard items
INDUSTRIES = [
    ("manufacturing", "先进制造业", "Advanced manufacturing",
     ("DRC-01", "DRC-03", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01",
      "ECO-02", "WAT-02", "URB-01", "PNR-05", "HUR-03", "HUR-04", "CAD-02", "ECO-03", "AMR-03",
      "WAT-03", "EMG-04")),
    ("logistics", "现代物流", "Modern logistics",
     ("DRC-01", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01", "ECO-02",
      "TRN-04", "URB-01", "TRN-03", "PNR-05", "HUR-03", "HUR-04", "TRN-02", "WAT-03")),
    ("grain-storage", "粮食仓储", "Grain storage",
     ("DRC-04", "DRC-05", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "HUR-01", "ECO-04",
      "CMET-01", "PNR-05", "HUR-03", "HUR-04", "CMET-02", "DRC-06")),
    ("office-building", "商务楼宇", "Office buildings",
     ("DRC-01", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01", "ECO-04",
      "URB-01", "URB-04", "HUR-06", "PNR-05", "HUR-03", "HUR-04", "CAD-02", "CPNR-03",
      "FIRE-01", "URB-03", "HLT-03", "CPS-02")),
    ("fishery-solar", "渔光互补光伏发电", "Fishery-solar power",
     ("DRC-01", "PNR-01", "PNR-02", "ECO-02", "WAT-02", "WAT-04", "AGR-01", "CMET-01",
      "CMET-02")),
    ("biomedicine", "生物医药", "Biomedicine",
     ("DRC-01", "DRC-03", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01",
      "ECO-01", "EMG-01", "EMG-02", "WAT-02", "PNR-05", "HUR-03", "HUR-04", "ECO-03")),
    ("food-processing", "食品加工", "Food processing",
     ("DRC-01", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01", "ECO-02",
      "PNR-05", "HUR-03", "HUR-04", "AMR-05", "AMR-03", "WAT-03")),
    ("modern-agriculture", "现代农业", "Modern agriculture",
     ("DRC-01", "PNR-07", "WAT-01", "ECO-04", "AGR-02")),
    ("culture-tourism", "文化旅游", "Culture and tourism",
     ("DRC-01", "PNR-01", "PNR-02", "PNR-04", "PNR-03", "HUR-02", "CAD-01", "HUR-01", "ECO-04",
      "PNR-05", "HUR-03", "HUR-04", "FIRE-01", "HLT-02", "AMR-04", "URB-03")),
]  # fmt: skip

# --- enterprises and projects -----------------------------------------------------------------

# name, English name, unified social credit code, demo users
ENTERPRISES = [
    ("津晶汽车玻璃（天津）有限公司", "Jinjing Automotive Glass (Tianjin) Co., Ltd.",
     "91120111MA05K8Q21X", ("enterprise",)),
    ("德科精密传动（天津）有限公司", "Deko Precision Drives (Tianjin) Co., Ltd.",
     "91120111MA07DK3P5L", ("enterprise2",)),
    ("顺通供应链管理（天津）有限公司", "Shuntong Supply Chain Management (Tianjin) Co., Ltd.",
     "91120111MA06ST7R2C", ()),
    ("区国有粮食储备有限公司", "District State Grain Reserve Co., Ltd.",
     "91120111103625478G", ()),
    ("华信置业（天津）有限公司", "Huaxin Real Estate (Tianjin) Co., Ltd.",
     "91120111MA05HX9T8N", ()),
    ("绿源渔光新能源（天津）有限公司", "Lvyuan Fishery-Solar Energy (Tianjin) Co., Ltd.",
     "91120111MA07LY2E4W", ()),
    ("鲜达冷链物流（天津）有限公司", "Xianda Cold-Chain Logistics (Tianjin) Co., Ltd.",
     "91120111MA06XD5K1Q", ()),
    ("擎动新能源科技（天津）有限公司", "Qingdong New Energy Technology (Tianjin) Co., Ltd.",
     "91120111MA07QD8M3A", ()),
    ("康瑞生物医药（天津）有限公司", "Kangrui Biopharma (Tianjin) Co., Ltd.",
     "91120111MA06KR4B9F", ()),
    ("杨柳青古镇文化旅游发展有限公司", "Yangliuqing Ancient Town Cultural Tourism Co., Ltd.",
     "91120111MA05YL6W7H", ()),
    ("津味源食品（天津）有限公司", "Jinweiyuan Foods (Tianjin) Co., Ltd.",
     "91120111MA06JW1Y6D", ()),
    ("沃野智慧农业科技（天津）有限公司", "Woye Smart Agriculture Technology (Tianjin) Co., Ltd.",
     "91120111MA07WY3N2S", ()),
]  # fmt: skip
GLASS_ENTERPRISE = ENTERPRISES[0][0]


@dataclass(frozen=True)
class ProjectSpec:
    """A demo project and the story of its approvals, in working days before `today`."""

    code: str
    name: str
    name_en: str
    enterprise: str
    industry: str
    town: str
    stage: str
    investment: int  # 10,000 yuan
    lead: str
    leading_official: str
    description: str
    registered_ago: int
    start_ago: int | None = None  # the first applications go in
    finished_ago: int | None = None  # construction finished (production stage)
    helpers: tuple[str, ...] = ()
    helpers_later: tuple[tuple[str, int], ...] = ()  # (username, working days ago)
    extra_items: tuple[str, ...] = ()
    only: tuple[str, ...] | None = None  # if set, only these items have moved yet
    planned_in_days: int = 90  # planned start, for projects not under construction yet
    # item code -> how its story departs from the plain one (see Planner.approval)
    script: dict[str, dict[str, Any]] = field(default_factory=dict)


S = Project.Stage
PROJECTS = [
    ProjectSpec(
        "ZDXM-001", "汽车玻璃生产基地项目", "Automotive glass production base",
        GLASS_ENTERPRISE, "manufacturing", ZONE, S.PRODUCTION, 150000, "helper",
        "区委常委、常务副区长 刘建华",
        "年产汽车玻璃600万套，新建钢化、夹层玻璃生产线及仓储中心；当年签约、当年开工、"
        "当年竣工投产。",
        registered_ago=228, start_ago=216, finished_ago=42,
        helpers_later=(("helper2", 150),),
        extra_items=("DZ-01", "AMR-01", "CPS-01", "TAX-01", "TAX-02", "WAT-01"),
        script={
            "ECO-02": {"pause": "closed"},
            "PNR-03": {"pause": "closed"},
            "HUR-03": {"pause": "closed"},
            "WAT-01": {"withdraw": "园区市政管网已通至厂区，改由市政供水，不再自备取水。"},
        },
    ),
    ProjectSpec(
        "ZDXM-002", "汽车玻璃生产基地二期项目", "Automotive glass production base, phase II",
        GLASS_ENTERPRISE, "manufacturing", ZONE, S.NEGOTIATING, 80000, "helper",
        "区委常委、常务副区长 刘建华",
        "二期拟新建天幕玻璃及HUD抬头显示玻璃生产线，正在洽谈用地规模。",
        registered_ago=14, start_ago=4, only=("DZ-01",), planned_in_days=240,
        extra_items=("DZ-01",),
    ),
    ProjectSpec(
        "ZDXM-003", "智慧物流基地项目", "Smart logistics base",
        "顺通供应链管理（天津）有限公司", "logistics", "张家窝镇", S.CONSTRUCTION, 120000,
        "helper", "副区长 周立新",
        "建设高标准仓库32万平方米及智能分拣中心，服务京津冀区域电商与制造业配送。",
        registered_ago=165, start_ago=152, helpers=("helper2",),
        extra_items=("TZJW-01", "URB-02", "PNR-06"),
        script={
            "TRN-04": {"pause": "closed"},
            "HUR-02": {"pause": "closed"},
            "PNR-06": {"at": 5},
        },
    ),
    ProjectSpec(
        "ZDXM-004", "粮食储备库扩建工程", "Grain-reserve depot extension",
        "区国有粮食储备有限公司", "grain-storage", "大寺镇", S.APPROVALS, 26000, "helper",
        "副区长 周立新",
        "新增仓容5万吨，建设平房仓6栋及智能化粮情测控系统，确保地方储备粮规模落实。",
        registered_ago=72, start_ago=52, planned_in_days=45,
        script={
            "DRC-04": {"pause": "closed"},
            "PNR-02": {"at": 2, "stop": "received"},
            "CMET-01": {"overdue": True},
        },
    ),
    ProjectSpec(
        "ZDXM-005", "华信国际商务大厦", "Huaxin International Office Tower",
        "华信置业（天津）有限公司", "office-building", "李七庄街", S.APPROVALS, 98000, "helper",
        "副区长 王春燕",
        "地上42层甲级写字楼及商业裙房，总建筑面积12.6万平方米，引进区域总部和金融机构。",
        registered_ago=96, start_ago=76, helpers=("helper2",), planned_in_days=30,
        script={
            "PNR-03": {"at": 1, "stop": "received"},
            "HUR-02": {"at": 12, "pause": "open"},
            "CAD-01": {"at": 4, "missing": True},
        },
    ),
    ProjectSpec(
        "ZDXM-006", "20兆瓦渔光互补光伏发电项目", "20 MW fishery-solar power plant",
        "绿源渔光新能源（天津）有限公司", "fishery-solar", "王稳庄镇", S.APPROVALS, 9800,
        "helper2", "副区长 王春燕",
        "利用坑塘水面建设20兆瓦光伏电站，“上可发电、下可养鱼”，配套建设升压站一座。",
        registered_ago=84, start_ago=62, planned_in_days=60,
        extra_items=("TWWZ-01", "TRN-01"),
        script={
            "ECO-02": {"overdue": True},
            "WAT-04": {"at": 9, "pause": "closed", "stop": "accepted"},
            "AGR-01": {"at": 3, "stop": "received"},
        },
    ),
    ProjectSpec(
        "ZDXM-007", "精密减速机生产项目", "Precision gearbox plant",
        "德科精密传动（天津）有限公司", "manufacturing", "精武镇", S.APPROVALS, 45000,
        "helper2", "副区长 周立新",
        "德资企业新建精密行星减速机生产基地，年产工业机器人减速机20万台。",
        registered_ago=88, start_ago=68, helpers=("helper",), planned_in_days=40,
        extra_items=("AMR-01", "CPS-01", "TAX-01", "COM-01"),
        script={
            "ECO-02": {"at": 12, "pause": "open"},
            "HUR-02": {"at": 6, "missing": True},
            "PNR-03": {"at": 5, "stop": "accepted"},
            "WAT-02": {"pause": "closed"},
        },
    ),
    ProjectSpec(
        "ZDXM-008", "冷链物流中心项目", "Cold-chain logistics centre",
        "鲜达冷链物流（天津）有限公司", "logistics", "大寺镇", S.SIGNED, 35000, "helper",
        "副区长 周立新",
        "建设冷库8万吨及农产品冷链集配中心，已签订投资协议。",
        registered_ago=24, start_ago=10, only=("DRC-01", "PNR-01", "ECO-02"), planned_in_days=120,
    ),
    ProjectSpec(
        "ZDXM-009", "新能源汽车动力电池包项目", "EV battery-pack plant",
        "擎动新能源科技（天津）有限公司", "manufacturing", ZONE, S.CONSTRUCTION, 68000,
        "helper2", "区委常委、开发区党工委书记 马骏",
        "建设动力电池包PACK生产线4条，年产电池包30万套，配套新能源整车企业。",
        registered_ago=150, start_ago=140, extra_items=("DZ-01", "DZ-02", "URB-02", "TRN-03"),
        script={
            "HUR-01": {"pause": "closed"},
            "URB-02": {"at": 3},
            "TRN-03": {"at": 1, "stop": "received"},
        },
    ),
    ProjectSpec(
        "ZDXM-010", "生物医药产业园项目", "Biomedicine industrial park",
        "康瑞生物医药（天津）有限公司", "biomedicine", ZONE, S.SIGNED, 200000, "helper",
        "区委常委、开发区党工委书记 马骏",
        "建设生物药研发中试及产业化基地，含GMP厂房、研发楼和公用工程。",
        registered_ago=30, start_ago=11, only=("DZ-01", "DRC-01", "PNR-01", "DRC-03"),
        extra_items=("DZ-01",), planned_in_days=150,
    ),
    ProjectSpec(
        "ZDXM-011", "杨柳青古镇文旅综合体项目", "Yangliuqing Ancient Town cultural-tourism complex",
        "杨柳青古镇文化旅游发展有限公司", "culture-tourism", "杨柳青镇", S.NEGOTIATING, 300000,
        "helper", "区长 陈志远",
        "依托杨柳青木版年画和石家大院，建设非遗街区、文化演艺中心和精品酒店，正在洽谈合作方案。",
        registered_ago=34, helpers=("helper2",), extra_items=("TYLQ-01",), planned_in_days=300,
    ),
    ProjectSpec(
        "ZDXM-012", "中央厨房及食品加工项目", "Central kitchen and food processing plant",
        "津味源食品（天津）有限公司", "food-processing", "大寺镇", S.PRODUCTION, 18000,
        "helper2", "副区长 王春燕",
        "建设中央厨房及预制菜生产车间，日供餐能力10万份，已竣工投产。",
        registered_ago=196, start_ago=184, finished_ago=48,
        script={"AMR-05": {"pause": "closed"}, "PNR-02": {"pause": "closed"}},
    ),
    ProjectSpec(
        "ZDXM-013", "智能温室现代农业示范园", "Smart greenhouse agriculture park",
        "沃野智慧农业科技（天津）有限公司", "modern-agriculture", "王稳庄镇", S.APPROVALS, 15000,
        "helper", "副区长 王春燕",
        "建设连栋智能温室300亩，发展高端蔬果工厂化种植和农业科普研学。",
        registered_ago=64, start_ago=46, extra_items=("TWWZ-01",), planned_in_days=50,
        script={
            "WAT-01": {
                "reject": "项目位于地下水禁采区，不予批准开采地下水；建议改用地表水或再生水灌溉。"
            },
            "PNR-07": {"overdue": True},
        },
    ),
]  # fmt: skip
PROJECT_CODES = [spec.code for spec in PROJECTS]

SUPPLEMENT_REASONS = {
    "ECO-02": "环境影响报告表中废气排放源强核算依据不足，请补充监测数据并修改报告表。",
    "PNR-03": "建筑施工图与审定设计方案的建筑高度不一致，请修改后补正。",
    "HUR-03": "消防设施检测报告缺少防排烟系统检测内容，请补充检测后补正。",
    "HUR-02": "消防设计文件中疏散宽度计算有误，请设计单位修改后补正。",
    "TRN-04": "交通影响评价未考虑高峰时段货车进出，请补充交通组织措施。",
    "DRC-04": "可行性研究报告投资估算缺少配套工程费用，请补充完善。",
    "HUR-01": "施工合同与中标通知书中的工期不一致，请核实后补正。",
    "AMR-05": "生产场所平面图与现场布局不一致，请按实际布局重新绘制。",
    "PNR-02": "用地红线图坐标与出让合同附图不一致，请重新测绘后补正。",
    "WAT-04": "洪水影响评价报告需补充对行洪断面的影响分析。",
}
CONDITIONS = {
    "ECO-02": "严格落实报告表提出的各项污染防治措施，执行环保“三同时”制度。",
    "ECO-01": "严格落实报告书提出的各项污染防治和风险防范措施。",
    "WAT-02": "按批复的水土保持方案落实防治措施，施工期开展水土保持监测。",
    "PNR-01": "项目用地须符合国土空间规划，严格执行节约集约用地标准。",
    "CAD-01": "防空地下室与主体工程同步设计、同步施工、同步验收。",
}


# --- the catalogue, accounts and enterprises --------------------------------------------------


def _seed_catalogue() -> tuple[dict[str, Department], dict[str, ApprovalItem]]:
    departments = {}
    for key, level, name, name_en, short_name, head in DEPARTMENTS:
        departments[key] = Department.objects.update_or_create(
            name=name,
            defaults={"name_en": name_en, "short_name": short_name, "level": level, "head": head},
        )[0]
    items = {}
    for spec in ITEMS:
        items[spec.code] = ApprovalItem.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "department": departments[spec.department],
                "legal_basis": spec.legal_basis,
                "statutory_limit_days": spec.statutory,
                "promised_limit_days": spec.promised,
                "fee": spec.fee,
                "fully_online": spec.online,
                "is_active": True,
            },
        )[0]
    _sync_materials(items)
    _sync_prerequisites(items)
    for code, name, name_en, standard in INDUSTRIES:
        industry = Industry.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )[0]
        industry.standard_items.set([items[c] for c in standard])
    for name, name_en, is_zone in TOWNS:
        Town.objects.update_or_create(name=name, defaults={"name_en": name_en, "is_zone": is_zone})
    return departments, items


def _sync_materials(items: dict[str, ApprovalItem]) -> None:
    """Each item's one-time notification list as the catalogue says; untouched if it does."""
    have = defaultdict(list)
    for row in ItemMaterial.objects.filter(item__in=items.values()).order_by("position", "id"):
        have[row.item_id].append((row.name, row.name_en, row.key))
    stale, new = [], []
    for code, item in items.items():
        wanted = CATALOGUE[code].material_rows()
        if have[item.pk] != wanted:
            stale.append(item.pk)
            new += [
                ItemMaterial(item=item, name=n, name_en=e, key=k, position=i)
                for i, (n, e, k) in enumerate(wanted)
            ]
    if stale:
        ItemMaterial.objects.filter(item_id__in=stale).delete()
        ItemMaterial.objects.bulk_create(new)


def _sync_prerequisites(items: dict[str, ApprovalItem]) -> None:
    through = ApprovalItem.prerequisites.through
    ids = {item.pk for item in items.values()}
    have = set(
        through.objects.filter(from_approvalitem_id__in=ids).values_list(
            "from_approvalitem_id", "to_approvalitem_id"
        )
    )
    wanted = {
        (items[spec.code].pk, items[required].pk) for spec in ITEMS for required in spec.requires
    }
    for source, target in have - wanted:
        through.objects.filter(from_approvalitem_id=source, to_approvalitem_id=target).delete()
    through.objects.bulk_create(
        through(from_approvalitem_id=source, to_approvalitem_id=target)
        for source, target in sorted(wanted - have)
    )


def _seed_officers(departments: dict[str, Department]) -> None:
    """Department officers: the demo `officer` joins planning; the others cannot log in."""
    group = Group.objects.get_or_create(name=OFFICER_GROUP)[0]
    existing = {u.username: u for u in User.objects.filter(username__in=EXTRA_OFFICERS)}
    for key, people in OFFICERS.items():
        members = []
        for username, name in people:
            person = existing.get(username)
            if username in DEMO_LOGINS:
                person = User.objects.filter(username=username).first()
            elif person is None:
                person = User(username=username, name=name, email=f"{username}@portal.example")
                person.set_unusable_password()
                person.save()
            elif person.name != name:
                person.name = name
                person.save(update_fields=["name"])
            if person is not None:
                members.append(person)
        group.user_set.add(*members)
        departments[key].officers.add(*members)


def _seed_enterprises() -> dict[str, Enterprise]:
    enterprises = {}
    for name, name_en, credit_code, usernames in ENTERPRISES:
        enterprise = Enterprise.objects.update_or_create(
            name=name, defaults={"name_en": name_en, "credit_code": credit_code}
        )[0]
        if usernames:
            enterprise.users.add(*User.objects.filter(username__in=usernames))
        enterprises[name] = enterprise
    return enterprises


# --- planning the history ---------------------------------------------------------------------


@dataclass
class Step:
    day: int  # 0 is today, -1 the working day before, and so on
    minute: int  # minutes after 9:00
    order: int
    project: str
    kind: str  # "register", "helpers" or an approval action
    item: str = ""
    actor: str = ""  # a username
    payload: dict[str, Any] = field(default_factory=dict)


class Planner:
    """Turns the project specs into dated steps. Pure Python: no queries."""

    def __init__(self, clock: _WorkingDays) -> None:
        self.clock = clock
        self.steps: list[Step] = []
        self.enterprise_users = {name: users for name, _e, _c, users in ENTERPRISES}

    def _add(self, step_day: int, last: list[int] | None, rng: random.Random, **fields) -> None:
        """Add a step; `last` holds the (day, minute) of the approval's previous step."""
        if last and step_day == last[0]:
            minute = last[1] + rng.randint(10, 45)
        else:
            minute = rng.randint(0, 450)
        if last is not None:
            last[:] = [step_day, minute]
        if step_day < 0:  # nothing happens today or later: the seed writes history only
            self.steps.append(Step(step_day, minute, len(self.steps), **fields))

    def project(self, spec: ProjectSpec) -> int | None:
        """Plan a project's registration and approvals; return the day construction started."""
        rng = random.Random(spec.code)
        self._add(-spec.registered_ago, None, rng, project=spec.code, kind="register")
        for username, ago in spec.helpers_later:
            self._add(-ago, None, rng, project=spec.code, kind="helpers", actor=username)
        codes = _closure([*dict(INDUSTRY_SETS)[spec.industry], *spec.extra_items])
        done: dict[str, int | None] = {}
        start = -spec.start_ago if spec.start_ago is not None else None
        self._phase(spec, rng, codes, PRE, start, done)
        build_start = post_start = None
        if spec.stage in (S.CONSTRUCTION, S.PRODUCTION):
            pre = [c for c in codes if CATALOGUE[c].phase == PRE]
            closed = {c for c, how in spec.script.items() if {"withdraw", "reject"} & set(how)}
            unfinished = [c for c in pre if done[c] is None and c not in closed]
            if unfinished:
                raise ValueError(f"{spec.code}: {unfinished} not approved before construction")
            build_start = max(done[c] for c in pre if c not in closed) + 2
        if spec.stage == S.PRODUCTION:
            post_start = -spec.finished_ago
            if post_start <= build_start + 40:
                raise ValueError(f"{spec.code}: construction ends before it starts")
        self._phase(spec, rng, codes, BUILD, build_start, done)
        self._phase(spec, rng, codes, POST, post_start, done)
        return build_start

    def _phase(self, spec, rng, codes, phase, start, done) -> None:
        for code in _in_dependency_order(codes):
            item = CATALOGUE[code]
            if item.phase != phase:
                continue
            done[code] = None
            if start is None or (spec.only is not None and code not in spec.only):
                continue
            before = [done[c] for c in item.requires]
            if any(day is None for day in before):
                continue
            earliest = max([start, *(day + 1 + rng.randint(0, 3) for day in before)])
            done[code] = self.approval(spec, item, earliest, rng, spec.script.get(code, {}))

    def approval(
        self,
        spec: ProjectSpec,
        item: ItemSpec,
        earliest: int,
        rng: random.Random,
        script: dict[str, Any],
    ) -> int | None:
        """Plan one approval's steps; return the day it is approved, or None if it is not.

        The script may give the day it is received (`at`, working days ago), stop it at
        `received` or `accepted`, make it `overdue`, add a closed or open supplement `pause`,
        accept it with its non-key materials `missing`, `reject` it or `withdraw` it.
        """
        last: list[int] = [0, 0]

        def add(day: int, action: str, actor: str, **payload: Any) -> None:
            self._add(
                day, last, rng, project=spec.code, kind=action, item=item.code, actor=actor,
                payload=payload,
            )  # fmt: skip

        officer = self._officer(item.department, rng)
        if script.get("overdue"):
            accepted = -(item.promised + rng.randint(4, 8))
            received = accepted - rng.randint(0, 1)
        else:
            received = -script["at"] if "at" in script else earliest + rng.randint(0, 2)
            accepted = received + rng.choice((0, 1, 1, 2))
        if received < earliest:
            raise ValueError(f"{spec.code} {item.code}: received before its prerequisites")
        add(received, "receive", "staff")
        if script.get("stop") == "received":
            return None
        if script.get("missing"):
            non_key = [name for name, _e, key in item.material_rows() if not key]
            due = self.clock.today + timedelta(days=10)
            add(accepted, "accept", officer, missing_materials=non_key, materials_due=due)
            return None
        add(accepted, "accept", officer)
        if script.get("overdue"):
            return None
        if "withdraw" in script:
            withdrawer = next(iter(self.enterprise_users[spec.enterprise]), "staff")
            add(accepted + rng.randint(2, 4), "withdraw", withdrawer, reason=script["withdraw"])
            return None
        if "reject" in script:
            add(accepted + rng.randint(2, item.promised - 1), "reject", officer,
                reason=script["reject"])  # fmt: skip
            return None
        if item.promised == 1:
            took = rng.choice((0, 1))  # set-ups and filings: often the same day
        else:
            took = rng.randint(max(1, item.promised // 2), item.promised)
        if "pause" in script:
            if script.get("stop") == "accepted":  # answered lately, still running on time
                asked, waited = accepted + rng.randint(1, 2), rng.randint(2, 3)
            else:
                asked, waited = accepted + rng.randint(1, max(1, took - 1)), rng.randint(2, 6)
            material = item.material_rows()[1][0]
            reason = SUPPLEMENT_REASONS.get(
                item.code, f"{material}内容不完整，请按一次性告知单补正。"
            )
            if asked < 0:
                add(asked, "request_supplement", officer, reason=reason,
                    missing_materials=[material],
                    materials_due=self.clock.date(asked) + timedelta(days=14))  # fmt: skip
            if script["pause"] == "open":
                return None
            answered = asked + waited
            add(answered, "supplement", self._supplier(spec))
            approved = max(accepted + took + (answered - asked), answered + 1)
        else:
            approved = accepted + took
        if script.get("stop") == "accepted":
            return None
        add(approved, "approve", officer, conditions=CONDITIONS.get(item.code, ""))
        return approved if approved < 0 else None

    def _officer(self, department: str, rng: random.Random) -> str:
        people = [username for username, _name in OFFICERS[department]]
        # the first officer handles most files; colleagues take some
        return people[0] if len(people) == 1 or rng.random() < 0.6 else rng.choice(people[1:])

    def _supplier(self, spec: ProjectSpec) -> str:
        """The enterprise answers; where it has no account, its helper does it for it."""
        return next(iter(self.enterprise_users[spec.enterprise]), spec.lead)


INDUSTRY_SETS = [(code, standard) for code, _n, _e, standard in INDUSTRIES]


def _closure(codes) -> list[str]:
    chosen, queue = set(), list(codes)
    while queue:
        code = queue.pop()
        if code not in chosen:
            chosen.add(code)
            queue.extend(CATALOGUE[code].requires)
    return sorted(chosen)


def _depth(code: str) -> int:
    requires = CATALOGUE[code].requires
    return 1 + max(map(_depth, requires)) if requires else 0


def _in_dependency_order(codes) -> list[str]:
    return sorted(codes, key=lambda code: (_depth(code), code))


class _WorkingDays:
    """Working days counted back from `today`, and the moments on them."""

    def __init__(self, today: date, calendar: WorkingCalendar) -> None:
        self.today = today
        self.calendar = calendar
        self.days: list[date] = []  # days[k - 1] is the k-th working day before today

    def date(self, day: int) -> date:
        if day >= 0:
            return self.today
        while len(self.days) < -day:
            candidate = (self.days[-1] if self.days else self.today) - timedelta(days=1)
            while not self.calendar.is_working(candidate):
                candidate -= timedelta(days=1)
            self.days.append(candidate)
        return self.days[-day - 1]

    def moment(self, day: int, minute: int) -> datetime:
        start = datetime.combine(self.date(day), time(9, 0))
        return timezone.make_aware(start + timedelta(minutes=minute))


# --- running it -------------------------------------------------------------------------------


def seed_projects(*, today: date | None = None) -> int:
    """Load the catalogue and the demo projects with months of history; returns projects added.

    Needs the demo accounts (`portal.demo.seed_accounts`). Idempotent: catalogue rows are
    upserted, projects whose code exists are left as they are.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        departments, items = _seed_catalogue()
        _seed_officers(departments)
        enterprises = _seed_enterprises()
        existing = set(
            Project.objects.filter(code__in=PROJECT_CODES).values_list("code", flat=True)
        )
        specs = [spec for spec in PROJECTS if spec.code not in existing]
        if not specs:
            return 0
        clock = _WorkingDays(today, WorkingCalendar.load())
        planner = Planner(clock)
        starts = {spec.code: planner.project(spec) for spec in specs}
        with without_live_signals():
            _run(planner.steps, specs, starts, clock, items, enterprises)
    return len(specs)


def _run(steps, specs, starts, clock, items, enterprises) -> None:
    by_code = {spec.code: spec for spec in specs}
    usernames = {"staff"} | {s.actor for s in steps if s.actor} | {s.lead for s in specs}
    usernames |= {u for s in specs for u in s.helpers}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    if missing := usernames - set(users):
        raise RuntimeError(f"Seed the demo accounts first; missing: {', '.join(sorted(missing))}")
    industries = {i.code: i for i in Industry.objects.all()}
    towns = {t.name: t for t in Town.objects.all()}
    projects: dict[str, Project] = {}
    approval_ids: dict[tuple[str, str], int] = {}
    for step in sorted(steps, key=lambda s: (s.day, s.minute, s.order)):
        spec = by_code[step.project]
        now = clock.moment(step.day, step.minute)
        if step.kind == "register":
            if starts[spec.code] is not None:
                planned_start = clock.date(starts[spec.code])
            else:
                planned_start = clock.today + timedelta(days=spec.planned_in_days)
            project = project_register(
                actor=users["staff"],
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                enterprise=enterprises[spec.enterprise],
                industry=industries[spec.industry],
                town=towns[spec.town],
                stage=spec.stage,
                investment=Decimal(spec.investment),
                planned_start=planned_start,
                lead_helper=users[spec.lead],
                helpers=[users[u] for u in spec.helpers],
                leading_official=spec.leading_official,
                description=spec.description,
                items=[items[c] for c in spec.extra_items],
                use_industry_set=True,
                now=now,
            )
            projects[spec.code] = project
            for code, pk in project.approvals.values_list("item__code", "pk"):
                approval_ids[(spec.code, code)] = pk
        elif step.kind == "helpers":
            project = projects[spec.code]
            helpers = [*spec.helpers, *(u for u, ago in spec.helpers_later if -ago <= step.day)]
            project_assign_helpers(
                actor=users["staff"],
                project_id=project.pk,
                lead_helper=users[spec.lead],
                helpers=[users[u] for u in helpers],
                now=now,
            )
        else:
            actor = users[step.actor]
            approval_transition(
                actor=actor,
                approval_id=approval_ids[(spec.code, step.item)],
                action=step.kind,
                now=now,
                **step.payload,
            )


def delete_projects() -> None:
    """Remove the demo projects with their event streams, enterprises, officers and catalogue.

    Catalogue rows still used by other projects are kept.
    """
    with transaction.atomic():
        projects = Project.objects.filter(code__in=PROJECT_CODES)
        ids = list(projects.values_list("pk", flat=True))
        streams = [project_stream(i) for i in ids] + [project_internal_stream(i) for i in ids]
        Event.objects.filter(stream__in=streams).delete()
        StreamHead.objects.filter(stream__in=streams).delete()
        Event.objects.filter(
            stream__startswith="user:",
            event__in=("project.assigned", "project.unassigned"),
            data__project_id__in=ids,
        ).delete()
        projects.delete()
        Enterprise.objects.filter(
            name__in=[e[0] for e in ENTERPRISES], projects__isnull=True
        ).delete()
        User.objects.filter(username__in=EXTRA_OFFICERS).delete()
        for queryset in (
            Industry.objects.filter(code__in=[i[0] for i in INDUSTRIES], projects__isnull=True),
            ApprovalItem.objects.filter(code__in=CATALOGUE, approvals__isnull=True),
            Department.objects.filter(
                name__in=[d[2] for d in DEPARTMENTS], items__isnull=True, approvals__isnull=True
            ),
            Town.objects.filter(name__in=[t[0] for t in TOWNS], projects__isnull=True),
        ):
            try:
                with transaction.atomic():
                    queryset.delete()
            except (ProtectedError, RestrictedError):
                pass  # still used outside the demo: keep it
