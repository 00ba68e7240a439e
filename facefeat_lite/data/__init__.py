"""Face data: SynthFaces (the embedded procedural face data set) and loaders for real data sets.

Every data set yields the same *sample dictionary* (fields a source cannot provide are absent,
never faked):

==================  ===========================================  ==========================
key                 value                                        sources
==================  ===========================================  ==========================
``image``           float32 (3, H, W) in [0, 1], RGB             all
``identity``        int, identity label (0..n_ids-1 in its set)  all with identities
``labels``          int64 (H, W), semantic label map             SynthFaces, CelebAMask-HQ
                    (``facefeat_lite.data.labels.LABEL_NAMES``)
``sketch``          float32 (1, H, W) in [0, 1], 1 = line        SynthFaces
``landmarks``       float32 (K, 2) pixel (x, y)                  SynthFaces
``f3d``             float32 (12,) expression + pose              SynthFaces
``identity_params`` float32, identity group vector               SynthFaces
``expression`` /    float32 vectors of each parameter group      SynthFaces
``pose`` /
``illumination`` /
``nuisance``
``path``            str, the source file                         real data sets
==================  ===========================================  ==========================

The low-resolution contour (IDE's third modality) is made on demand from ``image`` by
:func:`facefeat_lite.data.synthfaces.lowres` (bicubic, any factor), so it works for every source.
"""
