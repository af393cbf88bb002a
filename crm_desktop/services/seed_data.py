"""Default grades, region tree and branches seeded into a new company database."""

from __future__ import annotations

# code, zh name, en name, colour, reclaim_days, warn_days, dormant_days
GRADES: list[tuple[str, str, str, str, int | None, int | None, int | None]] = [
    ("A", "重点客户", "Key", "#d9534f", None, None, 30),
    ("B", "主要客户", "Major", "#f0ad4e", 90, 7, 45),
    ("C", "普通客户", "Regular", "#5bc0de", 30, 5, 60),
    ("D", "潜在客户", "Potential", "#8c8c8c", 15, 3, 90),
]

# Macro region (code, zh, en) → provinces (code, zh, en, [cities zh/en])
REGIONS: list[tuple[str, str, str, list[tuple[str, str, str, list[tuple[str, str]]]]]] = [
    (
        "R-HB",
        "华北",
        "North China",
        [
            ("BJ", "北京", "Beijing", [("朝阳区", "Chaoyang"), ("海淀区", "Haidian")]),
            ("TJ", "天津", "Tianjin", [("滨海新区", "Binhai")]),
            ("HE", "河北", "Hebei", [("石家庄", "Shijiazhuang"), ("唐山", "Tangshan")]),
            ("SX", "山西", "Shanxi", [("太原", "Taiyuan")]),
            ("NM", "内蒙古", "Inner Mongolia", [("呼和浩特", "Hohhot")]),
        ],
    ),
    (
        "R-DB",
        "东北",
        "Northeast China",
        [
            ("LN", "辽宁", "Liaoning", [("沈阳", "Shenyang"), ("大连", "Dalian")]),
            ("JL", "吉林", "Jilin", [("长春", "Changchun")]),
            ("HL", "黑龙江", "Heilongjiang", [("哈尔滨", "Harbin")]),
        ],
    ),
    (
        "R-HD",
        "华东",
        "East China",
        [
            ("SH", "上海", "Shanghai", [("浦东新区", "Pudong"), ("闵行区", "Minhang")]),
            ("JS", "江苏", "Jiangsu", [("南京", "Nanjing"), ("苏州", "Suzhou"), ("无锡", "Wuxi")]),
            (
                "ZJ",
                "浙江",
                "Zhejiang",
                [("杭州", "Hangzhou"), ("宁波", "Ningbo"), ("温州", "Wenzhou")],
            ),
            ("AH", "安徽", "Anhui", [("合肥", "Hefei")]),
            ("FJ", "福建", "Fujian", [("福州", "Fuzhou"), ("厦门", "Xiamen")]),
            ("JX", "江西", "Jiangxi", [("南昌", "Nanchang")]),
            ("SD", "山东", "Shandong", [("济南", "Jinan"), ("青岛", "Qingdao")]),
        ],
    ),
    (
        "R-HZ",
        "华中",
        "Central China",
        [
            ("HA", "河南", "Henan", [("郑州", "Zhengzhou")]),
            ("HU", "湖北", "Hubei", [("武汉", "Wuhan")]),
            ("HN", "湖南", "Hunan", [("长沙", "Changsha")]),
        ],
    ),
    (
        "R-HN",
        "华南",
        "South China",
        [
            (
                "GD",
                "广东",
                "Guangdong",
                [
                    ("广州", "Guangzhou"),
                    ("深圳", "Shenzhen"),
                    ("东莞", "Dongguan"),
                    ("佛山", "Foshan"),
                ],
            ),
            ("GX", "广西", "Guangxi", [("南宁", "Nanning")]),
            ("HI", "海南", "Hainan", [("海口", "Haikou")]),
        ],
    ),
    (
        "R-XN",
        "西南",
        "Southwest China",
        [
            ("CQ", "重庆", "Chongqing", [("渝中区", "Yuzhong")]),
            ("SC", "四川", "Sichuan", [("成都", "Chengdu")]),
            ("GZ", "贵州", "Guizhou", [("贵阳", "Guiyang")]),
            ("YN", "云南", "Yunnan", [("昆明", "Kunming")]),
            ("XZ", "西藏", "Tibet", [("拉萨", "Lhasa")]),
        ],
    ),
    (
        "R-XB",
        "西北",
        "Northwest China",
        [
            ("SN", "陕西", "Shaanxi", [("西安", "Xi'an")]),
            ("GS", "甘肃", "Gansu", [("兰州", "Lanzhou")]),
            ("QH", "青海", "Qinghai", [("西宁", "Xining")]),
            ("NX", "宁夏", "Ningxia", [("银川", "Yinchuan")]),
            ("XJ", "新疆", "Xinjiang", [("乌鲁木齐", "Urumqi")]),
        ],
    ),
    (
        "R-GAT",
        "港澳台",
        "HK, Macau, Taiwan",
        [
            ("HK", "香港", "Hong Kong", []),
            ("MO", "澳门", "Macau", []),
            ("TW", "台湾", "Taiwan", [("台北", "Taipei")]),
        ],
    ),
    (
        "R-OS",
        "海外",
        "Overseas",
        [
            ("OS-AS", "亚洲", "Asia", [("新加坡", "Singapore"), ("东京", "Tokyo")]),
            ("OS-EU", "欧洲", "Europe", [("汉堡", "Hamburg"), ("伦敦", "London")]),
            ("OS-AM", "美洲", "Americas", [("洛杉矶", "Los Angeles")]),
        ],
    ),
]

# code, zh, en
BRANCHES: list[tuple[str, str, str]] = [("HQ", "总部", "Head office")]
DEMO_BRANCHES: list[tuple[str, str, str]] = [
    ("HQ", "总部", "Head office"),
    ("SH", "上海办事处", "Shanghai office"),
    ("GZ", "广州办事处", "Guangzhou office"),
    ("BJ", "北京办事处", "Beijing office"),
]

FREE_MAIL_DOMAINS: list[str] = [
    "qq.com",
    "vip.qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "vip.163.com",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "aliyun.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "tom.com",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.com.cn",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "web.de",
    "mail.ru",
    "yandex.ru",
]

# Why a prospect was lost (company setting "lost_reasons", editable by administrators).
LOST_REASONS_ZH: list[str] = [
    "价格太高",
    "选择了竞争对手",
    "暂无需求",
    "预算不足",
    "项目取消",
    "联系不上",
    "决策周期太长",
    "其他",
]
LOST_REASONS_EN: list[str] = [
    "Price too high",
    "Chose a competitor",
    "No need at the moment",
    "No budget",
    "Project cancelled",
    "Could not reach them",
    "Decision takes too long",
    "Other",
]

# Public pool rules (company setting "pool_rules"); per-grade days are in GRADES above.
POOL_RULES: dict[str, int | None] = {
    "holding_limit": None,  # no limit until an administrator sets one
    "cooling_off_days": 7,
    "unwon_days": None,
}
