"""The judge: metrics, discipline, coach, gates, ladder, evidence, compliance."""
