"""Assessment tables: the presses of the windows' evaluators."""

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Timestamp, Timestamptz, Varchar
from piccolo.table import Table

from assessment.evaluation_rules import Attribution, Level
from devices.tables import Device
from hall.tables import Hall, Staff, Window


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
