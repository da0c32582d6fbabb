"""What an import makes of its rows, per kind of file (``ImportProfile.Target``)."""

from participation.models import ImportProfile
from participation.services.imports.contributions import PaperFormsTarget, PlatformExportTarget
from participation.services.imports.counter import VisitorCounterTarget

TARGETS = {
    ImportProfile.Target.PAPER_FORMS: PaperFormsTarget(),
    ImportProfile.Target.VISITOR_COUNTER: VisitorCounterTarget(),
    ImportProfile.Target.PLATFORM_EXPORT: PlatformExportTarget(),
}
