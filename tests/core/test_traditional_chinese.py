"""The 繁體 rendering changes characters, never the official words, and leaves alone what a
reader copies or sends back."""

from __future__ import annotations

import pytest

from consult.core.i18n import html_to_traditional
from consult.core.i18n import to_simplified
from consult.core.i18n import to_traditional

# The platform's official terms (the glossary, the templates, the demo) and their
# Traditional form in Hong Kong characters (OpenCC s2hk): the same words. 发布 is 發佈 there,
# with 佈, the Traditional character of 布 in the sense of "spread, announce".
GLOSSARY = {
    "重大行政决策": "重大行政決策",
    "决策事项目录": "決策事項目錄",
    "决策事项": "決策事項",
    "承办部门": "承辦部門",
    "计划决策时间": "計劃決策時間",
    "是否听证": "是否聽證",
    "目录调整": "目錄調整",
    "社区居民委员会": "社區居民委員會",
    "街道办事处": "街道辦事處",
    "业主委员会": "業主委員會",
    "法定程序": "法定程序",
    "程序": "程序",
    "发布": "發佈",
    "公布": "公佈",
    "公开征求意见": "公開徵求意見",
    "征求意见稿": "徵求意見稿",
    "起草说明": "起草説明",  # 説, 閲, 户, 衞: the Hong Kong forms of 說, 閱, 戶, 衛
    "审核": "審核",  # not OpenCC's older 審覈 (s2t)
    "作为": "作為",  # not 作爲 (s2t)
    "公众代表": "公眾代表",
    "社会公众代表库": "社會公眾代表庫",
    "两代表一委员": "兩代表一委員",
    "专家学者": "專家學者",
    "新闻媒体代表": "新聞媒體代表",
    "新的社会阶层人士": "新的社會階層人士",
    "列席政府会议": "列席政府會議",
    "区政府常务会议": "區政府常務會議",
    "区政府办公室": "區政府辦公室",
    "座谈会": "座談會",
    "听证会": "聽證會",
    "实地走访": "實地走訪",
    "专家论证": "專家論證",
    "风险评估": "風險評估",
    "合法性审查": "合法性審查",
    "集体讨论决定": "集體討論決定",
    "政策解读": "政策解讀",
    "信息公开": "信息公開",
    "政府信息": "政府信息",
    "项目": "項目",
    "反馈": "反饋",
    "意见采纳情况反馈": "意見採納情況反饋",
    "采纳": "採納",
    "部分采纳": "部分採納",
    "不予采纳": "不予採納",
    "未采纳理由": "未採納理由",
    "回执编号": "回執編號",
    "用户": "用户",
    "网络": "網絡",
    "视频": "視頻",
    "打印": "打印",
    "数据": "數據",
    "软件": "軟件",
    "默认": "默認",
    "登录": "登錄",
    "搜索": "搜索",
    "文件": "文件",
    "质量": "質量",
}

# What a Taiwan-vocabulary conversion (OpenCC s2twp) makes of them: other words.
TAIWAN_WORDS = ["社群", "程式", "釋出", "資訊", "專案", "使用者", "網路", "影片", "列印"]
TAIWAN_WORDS += ["資料", "軟體", "預設", "登入", "搜尋", "檔案"]


@pytest.mark.parametrize("simplified, traditional", GLOSSARY.items(), ids=list(GLOSSARY))
def test_an_official_term_keeps_its_words_in_traditional_characters(simplified, traditional):
    assert to_traditional(simplified) == traditional
    assert to_simplified(traditional) == simplified


def test_official_text_gets_no_taiwan_vocabulary():
    text = "".join(GLOSSARY) + "社区居民委员会依照法定程序发布信息，项目程序已公开。"
    converted = to_traditional(text)
    assert [w for w in TAIWAN_WORDS if w in converted] == []
    assert "社區居民委員會依照法定程序發佈信息，項目程序已公開。" in converted


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("停車", "停车"),
        ("停車位", "停车位"),
        ("徵求意見", "征求意见"),
        ("綫路", "线路"),  # the Hong Kong form of 線
        ("裏面", "里面"),
        ("停车", "停车"),  # Simplified comes back as it was
        ("显著", "显著"),
        ("著作", "著作"),
        ("v2 PM2.5", "v2 PM2.5"),
    ],
)
def test_a_traditional_query_becomes_the_stored_simplified_text(typed, stored):
    assert to_simplified(typed) == stored


def test_a_page_is_converted_but_form_values_and_links_are_not():
    html = (
        '<label for="t" title="决策事项">决策事项</label>'
        '<input id="t" name="title" value="老旧小区停车设施改造" placeholder="发布">'
        '<textarea name="body" placeholder="请输入意见">建议增设停车位</textarea>'
        '<option value="社区">社区</option>'
        '<a href="https://example.gov.cn/文件/发布.pdf">发布的文件</a>'
        '<code class="seed">东湖区2026年第18次</code>'
        '<pre>pool = {"专家": [1, 2]}</pre>'
        "<p>社区居民委员会</p>"
    )
    assert html_to_traditional(html) == (
        '<label for="t" title="決策事項">決策事項</label>'
        '<input id="t" name="title" value="老旧小区停车设施改造" placeholder="發佈">'
        '<textarea name="body" placeholder="請輸入意見">建议增设停车位</textarea>'
        '<option value="社区">社區</option>'
        '<a href="https://example.gov.cn/文件/发布.pdf">發佈的文件</a>'
        '<code class="seed">东湖区2026年第18次</code>'
        '<pre>pool = {"专家": [1, 2]}</pre>'
        "<p>社區居民委員會</p>"
    )


def test_receipt_numbers_and_markup_are_untouched():
    html = '<p class="receipt">回执编号 <strong>ZX-2026-7K3M-9P2X</strong></p>'
    assert (
        html_to_traditional(html)
        == '<p class="receipt">回執編號 <strong>ZX-2026-7K3M-9P2X</strong></p>'
    )
