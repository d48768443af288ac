"""The approval evaluation is a pure function of requirements and decisions: properties it must always keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ccm.domain.approval import ApprovalDecision, Phase, Requirement, Verdict, evaluate, still_open

PEOPLE = [f"person{i}@example.com" for i in range(6)]
GROUPS = ["cab", "owners", "approvers"]
START = datetime(2030, 1, 1, tzinfo=UTC)


@st.composite
def requirements(draw: st.DrawFn) -> list[Requirement]:
    found = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        groups = tuple(draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=2, unique=True)))
        if draw(st.booleans()):
            members = frozenset(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True)))
            found.append(Requirement(f"r{index}", f"R{index}", groups, None, members))
        else:
            found.append(Requirement(f"r{index}", f"R{index}", groups, draw(st.integers(min_value=1, max_value=3))))
    return found


def decisions(ids: list[str]) -> st.SearchStrategy[list[ApprovalDecision]]:
    one = st.builds(
        lambda by, behalf, verdict, towards, minutes: ApprovalDecision(
            round=1,
            version=1,
            phase=Phase.APPROVAL,
            verdict=verdict,
            by=by,
            on_behalf_of=behalf,
            at=START + timedelta(minutes=minutes),
            counts_towards=towards,
        ),
        st.sampled_from(PEOPLE),
        st.none() | st.sampled_from(PEOPLE),
        st.sampled_from([Verdict.APPROVE, Verdict.APPROVE, Verdict.APPROVE, Verdict.REJECT]),
        st.lists(st.sampled_from(ids), unique=True),
        st.integers(min_value=0, max_value=5),
    )
    return st.lists(one, max_size=12)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Requirement], list[ApprovalDecision]]:
    found = draw(requirements())
    return found, draw(decisions([requirement.id for requirement in found]))


def reference_met(requirement: Requirement, made: list[ApprovalDecision]) -> bool:
    """What "met" means, said as plainly as possible: enough distinct people approved towards it."""
    people = {
        (decision.on_behalf_of or decision.by).lower()
        for decision in made
        if decision.verdict is Verdict.APPROVE and requirement.id in decision.counts_towards
    }
    if requirement.required is None:
        assert requirement.members is not None
        return requirement.members <= people
    return len(people) >= requirement.required


def outcome_of(
    requirements_: list[Requirement], made: list[ApprovalDecision]
) -> list[tuple[str, frozenset[str], bool]]:
    evaluation = evaluate(requirements_, made)
    return [(each.requirement.id, each.persons, each.met) for each in evaluation.outcomes]


@settings(max_examples=150, deadline=None)
@given(cases())
def test_no_sequence_of_decisions_approves_before_every_requirement_is_met(
    case: tuple[list[Requirement], list[ApprovalDecision]],
) -> None:
    requirements_, made = case
    for end in range(len(made) + 1):
        prefix = made[:end]
        evaluation = evaluate(requirements_, prefix)
        assert evaluation.met == all(reference_met(requirement, prefix) for requirement in requirements_)
        for outcome in evaluation.outcomes:
            assert outcome.met == reference_met(outcome.requirement, prefix)


@settings(max_examples=150, deadline=None)
@given(cases())
def test_duplicates_never_count_twice(case: tuple[list[Requirement], list[ApprovalDecision]]) -> None:
    requirements_, made = case

    once = evaluate(requirements_, made)
    twice = evaluate(requirements_, made + made)

    assert outcome_of(requirements_, made) == outcome_of(requirements_, made + made)
    for single, doubled in zip(once.outcomes, twice.outcomes, strict=True):
        assert len(doubled.counted) == len(single.counted) == len(single.persons)


@settings(max_examples=150, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_the_outcome_does_not_depend_on_the_order_of_decisions(
    case: tuple[list[Requirement], list[ApprovalDecision]], random: object
) -> None:
    requirements_, made = case
    shuffled = list(made)
    random.shuffle(shuffled)  # type: ignore[attr-defined]

    assert evaluate(requirements_, shuffled) == evaluate(requirements_, made)


def test_a_decision_for_oneself_on_ones_own_behalf_and_a_plain_one_at_the_same_time_count_the_same_in_any_order() -> (
    None
):
    # Found by the property above: the two decisions are one person's at one time, and only on_behalf_of tells
    # them apart, so the order decisions arrive in must not choose which of them is counted.
    requirement = Requirement("r0", "R0", ("cab",), 1)
    plain = ApprovalDecision(round=1, version=1, verdict=Verdict.APPROVE, by=PEOPLE[0], at=START, counts_towards=["r0"])
    own_behalf = plain.model_copy(update={"on_behalf_of": PEOPLE[0]})

    assert evaluate([requirement], [plain, own_behalf]) == evaluate([requirement], [own_behalf, plain])


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from(PEOPLE), st.lists(st.sampled_from(GROUPS), unique=True))
def test_what_a_person_can_still_decide_is_open_admitted_and_not_counted_for_them(
    case: tuple[list[Requirement], list[ApprovalDecision]], person: str, groups: list[str]
) -> None:
    requirements_, made = case
    evaluation = evaluate(requirements_, made)

    for requirement in still_open(requirements_, made, person, groups):
        outcome = evaluation.outcome(requirement.id)
        assert outcome is not None
        assert not outcome.met
        assert person not in outcome.persons
        assert requirement.admits(person, groups)


def test_a_requirement_of_all_members_counts_only_its_members() -> None:
    requirement = Requirement("owners", "Owners", ("owners",), None, frozenset({"a@example.com", "b@example.com"}))
    decision = ApprovalDecision(
        round=1, version=1, verdict=Verdict.APPROVE, by="c@example.com", at=START, counts_towards=["owners"]
    )

    assert evaluate([requirement], [decision]).outcomes[0].persons == frozenset()
    assert not requirement.admits("c@example.com", ["owners"])


def test_decisions_that_differ_only_in_the_order_of_their_requirements_are_counted_the_same_in_any_order() -> None:
    # Found by the property above: the sort left such decisions in arrival order, so which one was counted (and
    # shown) depended on it.
    requirement = Requirement("r0", "R0", ("cab",), 1)
    one = ApprovalDecision(
        round=1, version=1, verdict=Verdict.APPROVE, by=PEOPLE[0], at=START, counts_towards=["r0", "r1", "r3", "r2"]
    )
    other = one.model_copy(update={"counts_towards": ["r0", "r1", "r2", "r3"]})

    assert evaluate([requirement], [one, other]) == evaluate([requirement], [other, one])
