"""Every number that decides an answer, named, with the reason for its value.

One place to read and tune them (bm25s keeps k1/b/delta as documented constructor
arguments; this is the same idea for the answering side). Tests pin the rankings these
values produce on real documents; change a value, run benchmarks/answer_quality.py.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResolverSettings:
    """Department names typed in questions (answering/departments.py)."""

    max_span: int = 24  # longest name span tried; "长沙市人民政府国有资产监督管理委员会" is 18
    exact: float = 1.0  # the core as the documents' own (after abbreviation rules)
    core_end: float = 0.9  # the end of the official core: 交管支队 of 公安局交管支队
    suffix_dropped: float = 0.9  # the name without its 局/委/办: "北京民政", "普陀财政"
    in_order_base: float = 0.6  # characters in order: 安监局 in 安全生产监督管理局 …
    in_order_span: float = 0.3  # … plus this share of how much of the core the span says
    min_ratio: float = 0.3  # in-order spans must say this share of the core (with a region)
    min_ratio_first: float = 0.2  # … or less when they start with its first character ("钻石办")
    min_regionless_partial: int = 4  # no region: only exact names, or partial ones this long
    similar: float = 0.6  # a known region, an unknown name sharing most characters with one of its bodies
    similar_overlap: float = 0.75  # … share of the typed name's characters it must share
    region_named: float = 1.0  # the question names the department's region
    level_word: float = 0.9  # "市府办": a department of that level, region unnamed
    region_dropped: float = 0.85  # no region at all ("信访局"): right body, maybe wrong place
    region_only_own: float = 0.5  # only a region named: documents of exactly that region
    region_only_sub: float = 0.4  # … and of its sub-regions (上海市 → 上海市普陀区…)
    min_score: float = 0.5  # below this a span names no department
    close_margin: float = 0.02  # candidates this close to the best are equally likely
    vague_at: int = 3  # this many equally likely departments: the name names none of them
    vague_list: int = 5  # … of which the answer lists this many


RESOLVER = ResolverSettings()


@dataclass(frozen=True)
class AnswerSettings:
    """Sentence choice and abstention (answering/evidence.py, answering/answer.py)."""

    # --- word weights (evidence.weigh)
    max_word_weight: float = 6.0  # caps IDF so one rare word (a typo) cannot outweigh the item
    unknown_word_weight: float = 3.0  # a word no chunk holds (a typo; 子有 of jieba's 车/子有) weighs as a rare word,
    # not as the rarest: it cannot pick a sentence, only pull every sentence under the bar
    cue_weight_cap: float = 1.0  # 减少, 为什么, 预算: say what is asked, not about what
    single_char_factor: float = 0.3  # single characters are mostly function words (有, 多, 里)
    # --- how a sentence says a word (evidence.says)
    everyday_word: float = 0.85  # the everyday word itself (招待费 inside 业务招待费)
    word_part: float = 0.5  # a part of a long word
    heading_factor: float = 0.7  # said only by the heading above ("（5）实施周期")
    join_short_sentence: int = 60  # a sentence this short may be joined to the next one
    joined_factor: float = 0.9  # a joined pair must say clearly more than the sentence alone
    # --- abstention
    min_coverage: float = 0.45  # share of the question's weight a sentence must say
    min_coverage_text: float = 0.35  # description and list questions are worded more freely
    min_row_coverage: float = 0.8  # a table row answers only when its label says nearly all that is asked
    distinctive_share: float = 0.8  # a word weighing this share of the heaviest must be said
    # --- ranking bonuses (they reorder sentences that say the item; never lift one that doesn't)
    retrieval_bonus: float = 0.25  # times the chunk's fused retrieval score relative to the best
    has_amount: float = 0.3  # an amount question's sentence states an amount
    has_number_only: float = 0.1  # … or at least a number (a table row)
    no_figure: float = -0.3  # … or states none
    has_change: float = 0.35  # a change question's sentence states a change (or 持平)
    has_reason: float = 0.35  # a reason question's sentence gives a reason
    no_reason: float = -0.2
    has_count: float = 0.35  # a count in the asked unit
    counted_words: float = 0.2  # … said with the words documents count that thing with (实有人员, 共有车辆)
    table_row: float = -0.1  # prose is easier to read and quote than a table row
    part_table: float = -0.3  # a row of a table of one part (基本支出表) below the whole's row
    code_hit: float = 0.5  # the sentence holds the asked code
    shared_phrase: float = 0.1  # the sentence repeats 4 characters of the question in a row (养老服务)
    shared_phrase_step: float = 0.04  # … and this much more for each further character
    shared_phrase_max: float = 0.3
    close_figure: float = 0.15  # the figure follows the item within close_gap characters
    near_figure: float = 0.07  # … within near_gap
    close_gap: int = 12
    near_gap: int = 30
    other_item_between: float = -0.1  # the figure belongs to another item named in between
    newest_document: float = 0.05  # no year asked: the newest document is the one meant
    department_budget: float = 0.05  # a 部门预算 answers for the department unless 单位预算 is asked
    asked_kind: float = 0.1  # the document kind the question names
    other_version: float = -0.4  # a version of a disclosure whose figures add up less than another's
    version_reach: int = 30  # candidates searched for the same figure in the version that adds up
    prior_year_mention: float = 0.3  # prior-year mode: the sentence names that year or 上年
    hinted_change: float = 0.4  # the change the question quotes ("少了1100多万") is in the sentence
    min_bonus: float = -0.5  # the bonuses can at most halve a sentence's score
    # --- answer text
    max_quote: int = 300  # characters of one quoted sentence
    max_passage: int = 400  # characters of a quoted description or list
    names_reach: int = 60  # characters after a list sentence's start in which its first named unit may stand
    names_listed: float = 0.3  # a list of units that names them (…包括：烟台市交通运输局机关、…中心) before one that only mentions units
    list_word_reach: int = 12  # a listed thing ("单位") stands this close to 包括/构成/纳入 in a list's passage
    reason_reach: int = 3  # sentences after a change searched for the one that gives its reason
    reason_subject: int = 20  # … which names the change in its first characters ("财政拨款收入支出减少的主要原因是")
    min_list_rest: int = 40  # room left under max_passage worth running a list on into the next chunk
    ambiguous_list: int = 5  # departments listed when a question names none
    across_limit: int = 40  # departments (or years) one ranking or series answers at most
    records_scan_docs: int = 20  # a figures-table answer reads at most this many documents (those retrieval found)
    sum_tolerance_wan: float = 0.015  # a 合计 column is the asked items' sum within rounding (万元 to 2 places)


ANSWER = AnswerSettings()


@dataclass(frozen=True)
class RetrievalSettings:
    """Fusing keyword, dense and exact-code candidates (answering/retrieve.py)."""

    rrf_k: int = 20  # reciprocal-rank fusion constant; small, so the top ranks dominate
    w_bm25: float = 1.0  # BM25 answers amounts and codes best (MODELS.md)
    w_dense: float = 0.5  # dense vectors earn their place on paraphrases, at half weight
    w_code: float = 2.0  # an exact code hit outranks any ranked candidate
    bm25_pool: int = 60  # BM25 candidates considered before fusion
    dense_pool: int = 40  # dense candidates considered before fusion
    answer_pool: int = 60  # chunks whose sentences compete for an answer (a long document has many
    # chunks that name 项目支出; the one that states its change must be among them)


RETRIEVAL = RetrievalSettings()
