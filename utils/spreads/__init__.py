"""Spreads: OCC symbols, legs, the payoff, the defined-risk proof, structures, builders, fees.

Import each name from the module that defines it: `symbols` (OCC/streamer symbols), `legs`
(`Leg`, `LegAction`, `PriceEffect`, `PositionEffect`, `SpreadError`), `payoff`, `proof`,
`structures`, `families` (underlyings that count as one), `spread` (`Spread`), `builders`
(`bull_put_credit`, `iron_condor`...), `fees`, `probability`, `ticket` (the order ticket's form).
"""
