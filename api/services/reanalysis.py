"""Sounds analysed by an older ReelForge get the current analysis (``reelforge db reanalyze``).

A new ``ANALYSIS_VERSION`` adds fields (phrases, key, highlights...) that the API shows and renders
use; rows stored before it lack them. Renders never trust a stale row (they analyse again), and this
brings the rows themselves up to date, one short transaction per sound.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from api.core.context import Services
from api.core.models import Media, Sound
from api.services.sounds import analyze
from audio.analysis import SoundAnalysis
from editor.errors import ReelForgeError


def stale_sounds(services: Services) -> list[str]:
    """Ids of the sounds whose stored analysis is not the current version."""
    with services.readers() as session:
        rows = session.execute(select(Sound.id, Sound.analysis)).all()
    return [sound_id for sound_id, analysis in rows if not SoundAnalysis.is_current(analysis)]


def reanalyze(services: Services, report: Callable[[str, str | None], None] | None = None) -> tuple[int, int]:
    """Re-analyse every stale sound; returns (updated, failed). ``report(id, error)`` follows each."""
    updated = failed = 0
    for sound_id in stale_sounds(services):
        with services.readers() as session:
            key = session.execute(
                select(Media.key).join(Sound, Sound.media_id == Media.id).where(Sound.id == sound_id)
            ).scalar_one_or_none()
        error = None
        if key is None:
            error = "its media is gone"
        else:
            try:
                analysis, _ = analyze(services, key)  # outside any transaction: it takes seconds
            except ReelForgeError as exc:
                error = exc.message
            else:
                with services.sessions() as session:
                    sound = session.get(Sound, sound_id)
                    if sound is not None:
                        sound.analysis = analysis
                        session.commit()
        updated, failed = (updated + 1, failed) if error is None else (updated, failed + 1)
        if report is not None:
            report(sound_id, error)
    return updated, failed
