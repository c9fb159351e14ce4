"""The Broker card's reading of a target: its accounts (with their flags), balances and position
legs. GETs only, in every mode: nothing here can place or cancel an order.
"""

from __future__ import annotations

from utils.broker.attempt import Attempt
from utils.broker.checks import account_refusals
from utils.broker.clients import BrokerPort, read_trading_status
from utils.broker.models import AccountView, BalanceView, BrokerStatus, PositionView
from utils.judge.mode import ModeDecision
from utils.records.sandbox import mask_account
from utils.spreads.legs import PositionEffect


def read_broker_status(
    decision: ModeDecision, client: BrokerPort, attempt: Attempt
) -> BrokerStatus:
    """Every account of the login with its flags, balances and positions; raises the client's
    errors (`TastytradeError`) and pydantic's ValidationError for an unreadable trading status."""
    accounts, balances, positions = [], [], []
    for customer in client.accounts():
        number = customer.account.account_number
        balance = client.balances(number)
        status = read_trading_status(client, number)
        flags = account_refusals(customer, balance, status, PositionEffect.OPENING)
        accounts.append(
            AccountView(
                account_number=number,
                masked=mask_account(number),
                nickname=customer.account.nickname,
                authority_level=customer.authority_level,
                flags=tuple(flags),
            )
        )
        balances.append(
            BalanceView(
                account=mask_account(number),
                net_liquidating_value_usd=balance.net_liquidating_value,
                cash_balance_usd=balance.cash_balance,
                derivative_buying_power_usd=balance.derivative_buying_power,
                maintenance_requirement_usd=balance.maintenance_requirement,
            )
        )
        positions.extend(
            PositionView(
                symbol=p.symbol,
                underlying=p.underlying_symbol,
                quantity=p.signed_quantity,
                instrument_type=p.instrument_type,
                average_open_price=p.average_open_price,
                mark=p.mark if p.mark is not None else p.mark_price,
            )
            for p in client.positions(number)
        )
    where = f" from {attempt.host}" if attempt.host else ""
    return BrokerStatus(
        requested=decision.requested,
        mode=decision,
        target_host=attempt.host,
        read_at=attempt.now,
        accounts=tuple(accounts),
        balances=tuple(balances),
        positions=tuple(positions),
        message=f"{decision.sentence} Read {len(accounts)} account(s) and "
        f"{len(positions)} position leg(s){where}; no order was sent.",
    )
