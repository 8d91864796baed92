"""The plan of the shipped dataset: the published figures its rows are drawn to, as plain data.

Tables A, B and C of domain.md, and the dataset's own choices where they publish nothing (marked
so), then the weights the other fields are drawn with and the names of the fictional schools.
Nothing in the application reads these numbers and no count is stored: the tests and the reports
count the loaded rows (tests/datasets/test_published_figures.py).
"""

import datetime

DEFAULT_SEED = 20240930
# The dataset describes the situation on the day of the press report.
AS_OF = datetime.date(2024, 9, 30)
TIMESTAMP = "2024-09-30T00:00:00Z"
D = datetime.date

# Table A: school violence review committees, by report year (2024 = to 31 August).
SV_PERIODS = {2022: (D(2022, 1, 1), D(2022, 12, 31)), 2023: (D(2023, 1, 1), D(2023, 12, 31))}
SV_PERIODS[2024] = (D(2024, 1, 1), D(2024, 8, 31))
SV_REFERRED = {2022: 60, 2023: 119, 2024: 241}
SV_HEARD = {2022: 29, 2023: 80, 2024: 107}
SV_OFFENDING_STUDENTS = {2022: 50, 2023: 118, 2024: 260}
SV_STUDENT_VICTIMS = {2022: 48, 2023: 187, 2024: 536}  # 2023: the dataset's choice
# Offenders who received measures, per year (the dataset's choice; the rest of the
# offending students are in cases not heard, or not yet heard).
SV_SANCTIONED = {2022: 40, 2023: 100, 2024: 191}
# Final Art. 17 measures per office: (all, measures 1-3, measures 7-9, of which expulsions).
# Gyeonggi and Seoul are published; the others are the dataset's choice and add up to
# the national 629 / 347 / 99 / 2.
MEASURES_BY_OFFICE = {
    "seoul": (89, 50, 8, 0),
    "busan": (55, 30, 11, 0),
    "daegu": (30, 17, 6, 0),
    "incheon": (45, 25, 9, 1),
    "gwangju": (14, 8, 3, 0),
    "daejeon": (15, 8, 3, 0),
    "ulsan": (10, 6, 2, 0),
    "sejong": (5, 3, 1, 0),
    "gyeonggi": (181, 100, 21, 0),
    "gangwon": (18, 10, 3, 0),
    "chungbuk": (17, 9, 3, 0),
    "chungnam": (27, 15, 5, 0),
    "jeonbuk": (20, 11, 4, 0),
    "jeonnam": (16, 9, 3, 0),
    "gyeongbuk": (26, 14, 5, 0),
    "gyeongnam": (48, 25, 10, 1),
    "jeju": (13, 7, 2, 0),
}
# Table B: the ministry's survey, every incident reported 2024-01-01 to 2024-09-27.
SURVEY_PERIOD = (D(2024, 1, 1), D(2024, 9, 27))
SURVEY_LEVELS = {"high": 279, "middle": 209, "elementary": 16}
SURVEY_POLICE = 417
SURVEY_TAKEDOWNS = 218
SURVEY_VICTIMS = {"student": 799, "teacher": 31, "staff": 3}
# Table C: teacher rights protection committees, by report year (2024 = to 31 August).
TR_REPORTS = {2023: 8, 2024: 20}
TR_TEACHER_VICTIMS = {2023: 12, 2024: 21}
TR_STUDENT_OFFENDERS = {2023: 10, 2024: 36}
TR_HEARD = {2023: 6, 2024: 12}  # the dataset's choice
# Teacher rights committees sit at the local offices from this day (before it, at the province).
TR_LOCAL_COMMITTEES_FROM = D(2024, 3, 28)
# Incidents never referred to a committee (the dataset's choice), and the September
# 2024 reports inside the survey window (some already referred, none heard yet).
UNREFERRED = {2022: 12, 2023: 25, 2024: 133}
SEPTEMBER_2024 = 110
SEPTEMBER_2024_REFERRED = 40

OFFICE_WEIGHTS = {
    "seoul": 16,
    "busan": 6,
    "daegu": 5,
    "incheon": 6,
    "gwangju": 3,
    "daejeon": 3,
    "ulsan": 2,
    "sejong": 1,
    "gyeonggi": 28,
    "gangwon": 3,
    "chungbuk": 3,
    "chungnam": 4,
    "jeonbuk": 3,
    "jeonnam": 3,
    "gyeongbuk": 4,
    "gyeongnam": 6,
    "jeju": 1,
}
LEVEL_WEIGHTS = {"high": 50, "middle": 44, "elementary": 4, "special": 2}
CONTENT_WEIGHTS = {"sexual_image": 75, "sexual_video": 15, "other_composite": 10}
SOURCE_WEIGHTS = {
    "social_profile": 50,
    "messenger_profile": 20,
    "school_photo": 15,
    "taken_covertly": 5,
    "unknown": 8,
    "other": 2,
}
CHANNEL_WEIGHTS = {
    "group_chat": 40,
    "telegram": 30,
    "anonymous_app": 10,
    "social_dm": 20,
    "humiliation_room": 15,
    "in_person": 10,
}
PLATFORM_WEIGHTS = {"telegram": 35, "kakaotalk": 20, "instagram": 20, "x": 10, "discord": 8, "youtube": 2, "other": 5}
TAKEDOWN_OUTCOME_WEIGHTS = {"removed": 55, "refused": 10, "no_answer": 15, "requested": 20}
MAX_GRADE = {"elementary": 6, "middle": 3, "high": 3, "special": 12}
LEVEL_KO = {"elementary": "초등학교", "middle": "중학교", "high": "고등학교", "special": "특수학교"}
LEVEL_EN = {"elementary": "Elementary School", "middle": "Middle School", "high": "High School"}
LEVEL_EN["special"] = "Special School"
SCHOOLS_PER_LOCAL_OFFICE = {"elementary": 1, "middle": 2, "high": 2}
