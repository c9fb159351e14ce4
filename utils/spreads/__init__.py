"""The spread model and its maths: symbols, legs, defined-risk proof, payoff, fees."""
