"""Ticket numbers and issued tickets on disk."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store.database import Database, Transaction


@dataclass(frozen=True)
class TicketRow:
    """An issued ticket as stored."""

    id: str
    business_day: str
    service: str
    seq_number: int
    display: str
    issued_at: str
    people_ahead: int
    wait_minutes: int
    wait_estimated: bool
    language: str
    print_state: str
    print_reason: str


class TicketRepository:
    """SQL for the ticket counter and the ticket table."""

    def __init__(self, db: Database):
        self._db = db

    @staticmethod
    def next_number(tx: Transaction, business_day: str, service: str) -> int:
        """Take the next number of a service on a business day (inside the caller's transaction).

        NOTE: the counter row is updated in the same transaction as the ticket row and its
        event, so a crash either keeps all three or none: a number is never handed out twice.
        """
        row = tx.execute(
            "SELECT last_number FROM ticket_counter WHERE business_day = ? AND service = ?",
            (business_day, service),
        ).fetchone()
        number = (int(row[0]) if row else 0) + 1
        tx.execute(
            "INSERT INTO ticket_counter (business_day, service, last_number) VALUES (?, ?, ?) "
            "ON CONFLICT (business_day, service) DO UPDATE SET last_number = excluded.last_number",
            (business_day, service, number),
        )
        return number

    @staticmethod
    def last_number(tx: Transaction, business_day: str, service: str) -> int:
        """The last number taken for a service on a day (0 when none)."""
        row = tx.execute(
            "SELECT last_number FROM ticket_counter WHERE business_day = ? AND service = ?",
            (business_day, service),
        ).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def raise_counter(tx: Transaction, business_day: str, service: str, last_number: int) -> int:
        """Count numbers up to at least ``last_number`` as taken (never lowers); the result.

        A replaced database learns this way which numbers may already be on paper.
        """
        tx.execute(
            "INSERT INTO ticket_counter (business_day, service, last_number) VALUES (?, ?, ?) "
            "ON CONFLICT (business_day, service) DO UPDATE SET "
            "last_number = MAX(last_number, excluded.last_number)",
            (business_day, service, last_number),
        )
        return TicketRepository.last_number(tx, business_day, service)

    @staticmethod
    def issued_up_to(tx: Transaction, business_day: str, service: str, number: int) -> int:
        """How many tickets of a service and day this database issued with ``<= number``."""
        row = tx.execute(
            "SELECT COUNT(*) FROM ticket WHERE business_day = ? AND service = ? "
            "AND seq_number <= ?",
            (business_day, service, number),
        ).fetchone()
        return int(row[0])

    @staticmethod
    def insert(tx: Transaction, ticket: TicketRow) -> None:
        """Store a newly issued ticket."""
        tx.execute(
            "INSERT INTO ticket (id, business_day, service, seq_number, display, issued_at, "
            "people_ahead, wait_minutes, wait_estimated, language, print_state, print_reason) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ticket.id,
                ticket.business_day,
                ticket.service,
                ticket.seq_number,
                ticket.display,
                ticket.issued_at,
                ticket.people_ahead,
                ticket.wait_minutes,
                int(ticket.wait_estimated),
                ticket.language,
                ticket.print_state,
                ticket.print_reason,
            ),
        )

    @staticmethod
    def set_print_state(tx: Transaction, ticket_id: str, state: str, reason: str = "") -> None:
        """Record whether the ticket reached the paper."""
        tx.execute(
            "UPDATE ticket SET print_state = ?, print_reason = ? WHERE id = ?",
            (state, reason, ticket_id),
        )

    def pending_prints(self) -> list[tuple[str, str]]:
        """``(id, number)`` of tickets whose printing never finished (a crash mid-print)."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT id, display FROM ticket WHERE print_state = 'pending' ORDER BY issued_at"
            ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def issue_times(self, business_day: str, service: str) -> list[str]:
        """Issue times (RFC 3339) of a service's tickets on a day, oldest first."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT issued_at FROM ticket WHERE business_day = ? AND service = ? "
                "ORDER BY seq_number",
                (business_day, service),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def get(self, ticket_id: str) -> TicketRow | None:
        """One ticket by id."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT id, business_day, service, seq_number, display, issued_at, people_ahead, "
                "wait_minutes, wait_estimated, language, print_state, print_reason "
                "FROM ticket WHERE id = ?",
                (ticket_id,),
            ).fetchone()
        if row is None:
            return None
        return TicketRow(
            id=row[0],
            business_day=row[1],
            service=row[2],
            seq_number=int(row[3]),
            display=row[4],
            issued_at=row[5],
            people_ahead=int(row[6]),
            wait_minutes=int(row[7]),
            wait_estimated=bool(row[8]),
            language=row[9],
            print_state=row[10],
            print_reason=row[11],
        )

    def all_numbers(self, business_day: str) -> list[str]:
        """Every printed number of a day (for checks that none repeats)."""
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT display FROM ticket WHERE business_day = ? ORDER BY issued_at",
                (business_day,),
            ).fetchall()
        return [str(r[0]) for r in rows]
