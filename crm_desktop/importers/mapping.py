"""Column mapping: the fields an import can fill, a guess of which column goes where from
Chinese and English headers, and a stable key of a header layout (to remember mappings)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

FIELDS: tuple[str, ...] = (
    "customer.name",
    "customer.kind",
    "customer.grade",
    "customer.region",
    "customer.owner",
    "customer.status",
    "customer.industry",
    "customer.source",
    "customer.phone",
    "customer.email",
    "customer.website",
    "customer.address",
    "customer.tags",
    "customer.notes",
    "contact.name",
    "contact.title",
    "contact.department",
    "contact.mobile",
    "contact.phone",
    "contact.email",
    "contact.wechat",
    "contact.birthday",
    "contact.notes",
)

# "phone" and "email" are decided once the other columns are known (customer or contact).
_PHONE = "phone"
_EMAIL = "email"

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer.name": (
        "客户名称",
        "客户名",
        "公司名称",
        "公司名",
        "单位",
        "单位名称",
        "企业名称",
        "企业",
        "客户",
        "公司",
        "名称",
        "机构名称",
        "组织",
        "company",
        "companyname",
        "customer",
        "customername",
        "account",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
        "org",
        "firm",
        "business",
        "businessname",
    ),
    "customer.kind": ("类型", "客户类型", "类别", "客户类别", "kind", "type", "customertype"),
    "customer.grade": (
        "等级",
        "客户等级",
        "级别",
        "客户级别",
        "grade",
        "level",
        "rating",
        "tier",
    ),
    "customer.region": (
        "区域",
        "地区",
        "省份",
        "城市",
        "所在地",
        "所在地区",
        "省市",
        "省",
        "市",
        "region",
        "area",
        "province",
        "city",
        "state",
        "territory",
    ),
    "customer.owner": (
        "负责人",
        "业务员",
        "销售",
        "归属人",
        "销售员",
        "客户经理",
        "跟进人",
        "所属销售",
        "owner",
        "accountowner",
        "salesperson",
        "salesrep",
        "sales",
        "accountmanager",
    ),
    "customer.status": ("状态", "客户状态", "status"),
    "customer.industry": ("行业", "所属行业", "industry", "sector"),
    "customer.source": ("来源", "客户来源", "渠道", "source", "leadsource", "channel"),
    "customer.phone": (
        "公司电话",
        "单位电话",
        "总机",
        "企业电话",
        "companyphone",
        "businessphone",
        "mainphone",
        "officephone",
        "workphone",
    ),
    "customer.email": ("公司邮箱", "企业邮箱", "单位邮箱", "companyemail"),
    "customer.website": ("网址", "网站", "主页", "官网", "website", "web", "url", "homepage"),
    "customer.address": (
        "地址",
        "联系地址",
        "公司地址",
        "详细地址",
        "通讯地址",
        "单位地址",
        "address",
        "streetaddress",
        "street",
        "companyaddress",
    ),
    "customer.tags": ("标签", "tags", "tag", "labels"),
    "customer.notes": (
        "备注",
        "说明",
        "描述",
        "客户备注",
        "notes",
        "note",
        "remark",
        "remarks",
        "comment",
        "comments",
        "description",
    ),
    "contact.name": (
        "联系人",
        "姓名",
        "联系人姓名",
        "名字",
        "name",
        "contact",
        "contactname",
        "fullname",
        "contactperson",
        "person",
    ),
    "contact.title": ("职位", "职务", "职称", "title", "position", "jobtitle", "role"),
    "contact.department": ("部门", "所属部门", "department", "dept"),
    "contact.mobile": (
        "手机",
        "手机号",
        "手机号码",
        "移动电话",
        "联系人手机",
        "mobile",
        "mobilephone",
        "cell",
        "cellphone",
        "cellular",
        "mobileno",
        "mobilenumber",
    ),
    "contact.phone": ("联系人电话", "contactphone", "directphone"),
    "contact.email": ("联系人邮箱", "contactemail"),
    "contact.wechat": ("微信", "微信号", "wechat", "weixin", "wechatid"),
    "contact.birthday": ("生日", "出生日期", "birthday", "birthdate", "dateofbirth", "dob"),
    _PHONE: (
        "电话",
        "座机",
        "固话",
        "办公电话",
        "电话号码",
        "联系电话",
        "固定电话",
        "phone",
        "tel",
        "telephone",
        "phonenumber",
        "telephonenumber",
        "tel.",
    ),
    _EMAIL: (
        "邮箱",
        "电子邮件",
        "电子邮箱",
        "邮件",
        "邮箱地址",
        "email",
        "e-mail",
        "mail",
        "emailaddress",
        "mailaddress",
    ),
}

_PUNCT_CATEGORIES = ("P", "S", "Z", "C")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^]]*\]|【[^】]*】|<[^>]*>")
_WORDS = re.compile(r"[a-z0-9]+")


def fold_header(text: str) -> str:
    """A header reduced for comparison: full-width → half-width, case folded, spaces and
    punctuation dropped ("客户 名称" → "客户名称", "E-mail" → "email")."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(_PUNCT_CATEGORIES))


def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for target, words in _SYNONYMS.items():
        for word in words:
            table.setdefault(fold_header(word), target)
    for key in FIELDS:
        table[fold_header(key)] = key  # canonical keys (vCard headers) map to themselves
    return table


_TABLE = _lookup()
_LATIN_KEYS = sorted((k for k in _TABLE if k.isascii()), key=len, reverse=True)
_CJK_KEYS = sorted((k for k in _TABLE if not k.isascii()), key=len, reverse=True)


def _exact(header: str) -> str | None:
    text = unicodedata.normalize("NFKC", header).casefold()
    target = _TABLE.get(fold_header(text))
    if target is None:
        # "客户名称（必填）", "Email [work]", "公司名称*": drop the bracketed note.
        target = _TABLE.get(fold_header(_BRACKETED.sub("", text)))
    return target


def _suffix(header: str) -> str | None:
    """A looser guess: the header ends with a known word ("所属行业", "Contact Email")."""
    text = _BRACKETED.sub("", unicodedata.normalize("NFKC", header).casefold())
    folded = fold_header(text)
    if not folded:
        return None
    if folded.isascii():
        words = _WORDS.findall(text)
        for n in (2, 1):
            if len(words) > n:
                target = _TABLE.get("".join(words[-n:]))
                if target is not None:
                    return target
        return None
    for key in _CJK_KEYS:
        if len(key) >= 2 and folded.endswith(key):
            return _TABLE[key]
    return None


def guess_mapping(headers: Sequence[str]) -> dict[int, str]:
    """Column index → field (one of FIELDS) for the headers it recognises; each field once.

    Exact synonyms win over looser suffix matches; a plain "电话"/"Phone" is the contact's
    phone when there is a contact name column and no customer phone column (same for email).
    """
    guesses: dict[int, str] = {}
    for index, header in enumerate(headers):
        target = _exact(header)
        if target is not None:
            guesses[index] = target
    for index, header in enumerate(headers):
        if index not in guesses:
            target = _suffix(header)
            if target is not None:
                guesses[index] = target
    mapping: dict[int, str] = {}
    taken: set[str] = set()

    def assign(index: int, target: str) -> None:
        if target not in taken:
            mapping[index] = target
            taken.add(target)

    for exact_pass in (True, False):
        for index, target in guesses.items():
            if target in (_PHONE, _EMAIL):
                continue
            if (_exact(headers[index]) is not None) == exact_pass:
                assign(index, target)
    has_contact = "contact.name" in taken
    for index, target in sorted(guesses.items()):
        if target == _PHONE:
            order = ("customer.phone", "contact.phone")
            if has_contact and "customer.phone" not in taken:
                order = ("contact.phone", "customer.phone")
        elif target == _EMAIL:
            order = ("customer.email", "contact.email")
            if has_contact:
                order = ("contact.email", "customer.email")
        else:
            continue
        for field_key in order:
            if field_key not in taken:
                assign(index, field_key)
                break
    return dict(sorted(mapping.items()))


def layout_key(headers: Sequence[str]) -> str:
    """A stable key of a header layout: the sha1 of the folded headers, in order."""
    joined = "\x1f".join(fold_header(h) for h in headers)
    return hashlib.sha1(joined.encode("utf-8"), usedforsecurity=False).hexdigest()
