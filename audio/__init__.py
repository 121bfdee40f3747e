"""Pure sound-library logic: numpy samples in, analysis results or ffmpeg filter text out.

    analysis     analyze() -> SoundAnalysis (tempo, beats, downbeats, onsets, LUFS, LRA, dBTP),
                 warm_up(), input caps, AnalysisCache keyed by content hash + ANALYSIS_VERSION
    beats        tempo/beat/downbeat tracking without octave errors (used by analysis)
    loudness     ITU-R BS.1770-4 / EBU R128 meters in numpy
    remix        audio.sound -> SoundPlan (input options + filter chain)
    mix          ducking graph, loudness normalisation chain
    attribution  lineage DAG, derived credits, license rules
    fingerprint  landmark fingerprints and an index for duplicate detection

Nothing here imports ``editor`` or ``api``, touches the network or starts a process; modules are
imported on demand so ``import audio`` stays cheap (librosa loads only with ``audio.beats``).
"""
