"""Assessment tables: the presses of the windows' evaluators, the rule catalogue's dated
versions, the ledger of findings, month sign-offs with their frozen scores, self-assessments
and published quarters."""

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LazyTableReference,
    Numeric,
    OnDelete,
    Serial,
    Text,
    Timestamp,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from assessment.catalogue import Category, Source, Target
from assessment.evaluation_rules import Attribution, Level
from assessment.scoring import Grade
from complaints.tables import Complaint
from devices.tables import Device
from hall.tables import Account, Hall, Staff, Window


class Evaluation(Table):
    """One press of a window's evaluator (电子评价器), kept as pressed: the assessment turns
    the not-satisfied ones into findings. `staff` is the person it was attributed to when it
    arrived (None: the window only), `attribution` why. Unique (device, pressed_at) by an
    index in the migration, so that an evaluator re-sending a press stores it once."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=False, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    device = ForeignKey(references=Device, null=True, on_delete=OnDelete.set_null)
    # Hall-local wall-clock time, to the second, as the evaluator's clock said.
    pressed_at = Timestamp()
    level = Varchar(length=24, choices=Level)
    satisfied = Boolean()
    attribution = Varchar(length=16, choices=Attribution)
    received_at = Timestamptz()


class ScoreRule(Table):
    """A dated version of a rule of the catalogue (`assessment.catalogue`): a change of a
    default rule or a rule a hall added, in force from `effective_from` on."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=32)
    name = Varchar(length=50)
    category = Varchar(length=16, choices=Category)
    points = Integer()
    min_points = Integer()
    max_points = Integer()
    target = Varchar(length=8, choices=Target)
    bonus = Boolean(default=False)
    active = Boolean(default=True)
    effective_from = Date()
    reason = Text(default="")
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Finding(Table):
    """One record of the ledger (考核记录), append-only: never edited, never deleted. A
    reversal is a later record with `reverses` set, the opposite effect and a reason.

    `effect` is the signed change to the score (−2 for an off-post finding, +2 for its
    reversal, +1 for a bonus), so that a score is a sum. `source_key` names the verdict,
    press or complaint an automatic finding came from, so that recomputing finds it again.
    `for_person` / `for_window`: whom it counts against (a cover worker's finding: the
    window only)."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    day = Date()  # the day of the fact: the month whose scores it counts in
    rule = Varchar(length=32)
    rule_name = Varchar(length=50)
    category = Varchar(length=16, choices=Category)
    bonus = Boolean(default=False)
    effect = Integer()
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    for_person = Boolean()
    for_window = Boolean()
    source = Varchar(length=16, choices=Source)
    source_key = Varchar(length=64, null=True, default=None)
    evaluation = ForeignKey(references=Evaluation, null=True, on_delete=OnDelete.restrict)
    complaint = ForeignKey(references=Complaint, null=True, on_delete=OnDelete.restrict)
    evidence = Text(default="")
    photo = Varchar(length=200, default="")
    reverses = ForeignKey(
        references=LazyTableReference("Finding", module_path="assessment.tables"),
        null=True,
        on_delete=OnDelete.restrict,
    )
    reason = Text(default="")
    entered_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    entered_at = Timestamptz()


class MonthSignOff(Table):
    """The director's sign-off of a hall's month (签发): its scores are frozen from then on,
    kept in `MonthScore`. Unique (hall, month) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    month = Date()  # its first day
    signed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    signed_at = Timestamptz()


class MonthScore(Table):
    """A window's or a person's score of a signed-off month, as signed: exactly one of
    `window` / `staff` is set. `categories`: {category: points lost}."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    month = Date()
    window = ForeignKey(references=Window, null=True, on_delete=OnDelete.restrict)
    staff = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)
    categories = JSON()
    bonus = Integer(default=0)
    total = Integer()


class SelfAssessment(Table):
    """A window's monthly 自查自评: the points it gives itself per category and its text, due
    by the `self_assessment_due_day` of the next month. Refiled (replaced) until the month is
    signed off. Unique (window, month) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=False, on_delete=OnDelete.restrict)
    month = Date()
    categories = JSON()  # {category: points the window says it lost}
    total = Integer()
    text = Text()
    filed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    filed_at = Timestamptz()


class QuarterPublication(Table):
    """The director's publication of a hall's quarter (季度公示): its results are frozen in
    `QuarterResult`. Unique (hall, quarter) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.restrict)
    quarter = Date()  # its first day
    star = ForeignKey(references=Staff, null=True, on_delete=OnDelete.restrict)  # 季度服务明星
    star_score = Varchar(length=8, default="")
    published_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    published_at = Timestamptz()


class QuarterResult(Table):
    """One window's line of a published quarter, as published."""

    id = Serial(primary_key=True)
    publication = ForeignKey(references=QuarterPublication, null=False, on_delete=OnDelete.restrict)
    window = ForeignKey(references=Window, null=False, on_delete=OnDelete.restrict)
    rank = Integer()
    score = Numeric(digits=(6, 2))
    monthly = JSON()  # the three monthly scores, oldest first
    upheld_complaints = Integer()
    evaluations = Integer()
    satisfied = Integer()
    grade = Varchar(length=12, choices=Grade)


class LedgerSync(Table):
    """When a hall's month of automatic findings was last put in step with their sources
    (`findings.sync_month`): a read finds nothing changed since, it need not read them all
    again. Unique (hall, month) by an index in the migration."""

    id = Serial(primary_key=True)
    hall = ForeignKey(references=Hall, null=False, on_delete=OnDelete.cascade)
    month = Date()
    synced_at = Timestamptz()
