"""Every change of trips, leads, their timelines and the project-day rule goes into the trail."""

from tuijin.core.audit import track

from .models import Lead, LeadEvent, OutreachTrip, ProjectDayRule

track(OutreachTrip, m2m_fields={"leaders"})
track(Lead)
track(LeadEvent)
track(ProjectDayRule)
