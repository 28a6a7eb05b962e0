def map_files(files, report, known, default_practitioner=None):
    return {}
