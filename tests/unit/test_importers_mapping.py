"""Column mapping guessed from Chinese and English headers; layout keys."""

from __future__ import annotations

from crm_desktop.importers import FIELDS, guess_mapping, layout_key
from crm_desktop.importers.vcard_source import HEADERS as VCARD_HEADERS


def test_fields_are_the_contract_order() -> None:
    assert FIELDS[0] == "customer.name"
    assert FIELDS[-1] == "contact.notes"
    assert len(FIELDS) == len(set(FIELDS)) == 23


def test_chinese_headers() -> None:
    headers = [
        "客户名称", "联系人", "手机", "电话", "邮箱", "地址", "客户等级", "地区", "业务员",
        "行业", "客户来源", "备注", "职务", "部门", "微信", "生日", "网址", "标签", "状态",
        "类型",
    ]  # fmt: skip
    assert guess_mapping(headers) == {
        0: "customer.name",
        1: "contact.name",
        2: "contact.mobile",
        3: "contact.phone",  # a contact name column and no company phone: the contact's
        4: "contact.email",
        5: "customer.address",
        6: "customer.grade",
        7: "customer.region",
        8: "customer.owner",
        9: "customer.industry",
        10: "customer.source",
        11: "customer.notes",
        12: "contact.title",
        13: "contact.department",
        14: "contact.wechat",
        15: "contact.birthday",
        16: "customer.website",
        17: "customer.tags",
        18: "customer.status",
        19: "customer.kind",
    }


def test_english_headers() -> None:
    headers = [
        "Company", "Contact", "Mobile", "Phone", "E-mail", "Address", "Grade", "City",
        "Owner", "Industry", "Source", "Notes", "Title", "Department", "WeChat", "Birthday",
        "Website", "Tags", "Status", "Type",
    ]  # fmt: skip
    mapping = guess_mapping(headers)
    assert [mapping[i] for i in range(len(headers))] == [
        "customer.name", "contact.name", "contact.mobile", "contact.phone", "contact.email",
        "customer.address", "customer.grade", "customer.region", "customer.owner",
        "customer.industry", "customer.source", "customer.notes", "contact.title",
        "contact.department", "contact.wechat", "contact.birthday", "customer.website",
        "customer.tags", "customer.status", "customer.kind",
    ]  # fmt: skip


def test_full_width_spaces_and_punctuation_are_ignored() -> None:
    headers = [
        "客户 名称",
        "Ｅ－ｍａｉｌ",
        "手机号码：",
        " 联 系 人 ",
        "公司名称（必填）",
        "E-mail",
    ]
    mapping = guess_mapping(headers)
    assert mapping[0] == "customer.name"
    assert mapping[3] == "contact.name"
    assert mapping[2] == "contact.mobile"
    assert mapping[1] == "contact.email"
    # each field once: the second company-name column stays unmapped; a second e-mail column
    # takes the other e-mail field
    assert 4 not in mapping
    assert mapping[5] == "customer.email"


def test_synonyms_from_the_issue() -> None:
    cases = {
        "公司名称": "customer.name",
        "单位": "customer.name",
        "姓名": "contact.name",
        "移动电话": "contact.mobile",
        "座机": "customer.phone",
        "电子邮件": "customer.email",
        "Email": "customer.email",
        "等级": "customer.grade",
        "区域": "customer.region",
        "省份": "customer.region",
        "城市": "customer.region",
        "负责人": "customer.owner",
        "来源": "customer.source",
        "备注": "customer.notes",
        "Sales Rep": "customer.owner",
        "Organization": "customer.name",
        "Cell": "contact.mobile",
        "Tel": "customer.phone",
        "Level": "customer.grade",
        "Remark": "customer.notes",
    }
    for header, target in cases.items():
        # alone (no contact column): phone and e-mail belong to the customer
        assert guess_mapping([header]) == {0: target}, header


def test_phone_and_email_go_to_the_customer_without_a_contact_column() -> None:
    assert guess_mapping(["客户名称", "电话", "邮箱"]) == {
        0: "customer.name",
        1: "customer.phone",
        2: "customer.email",
    }


def test_company_phone_column_keeps_generic_phone_for_the_contact() -> None:
    mapping = guess_mapping(["公司名称", "公司电话", "联系人", "电话", "联系人邮箱"])
    assert mapping == {
        0: "customer.name",
        1: "customer.phone",
        2: "contact.name",
        3: "contact.phone",
        4: "contact.email",
    }


def test_looser_suffix_matches() -> None:
    mapping = guess_mapping(["Company Name", "所属行业", "Contact Email", "Job Title", "所在城市"])
    assert mapping == {
        0: "customer.name",
        1: "customer.industry",
        2: "contact.email",
        3: "contact.title",
        4: "customer.region",
    }


def test_unknown_headers_are_left_unmapped() -> None:
    assert guess_mapping(["客户编号", "ID", "创建时间", "", "Zip"]) == {}


def test_vcard_headers_map_to_themselves() -> None:
    mapping = guess_mapping(VCARD_HEADERS)
    assert [mapping[i] for i in range(len(VCARD_HEADERS))] == list(VCARD_HEADERS)


def test_layout_key_is_stable_and_folds_cosmetic_differences() -> None:
    key = layout_key(["客户名称", "联系人", "E-mail"])
    assert key == layout_key(["客户名称", "联系人", "E-mail"])
    assert key == layout_key(["客户 名称", " 联系人", "ＥＭＡＩＬ"])
    assert len(key) == 40 and int(key, 16) >= 0
    assert key != layout_key(["联系人", "客户名称", "E-mail"])
    assert key != layout_key(["客户名称", "联系人", "E-mail", ""])
    # pinned: changing the folding would forget every user's remembered mappings
    assert layout_key(["a", "b"]) == "687d61996b1c1278c973743efe7ee8e2fc8fb1d0"
