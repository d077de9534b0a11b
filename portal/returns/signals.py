"""What happens to returns, for other domains to follow without the returns domain importing
them. Sent inside the service's transaction, after its flush: receivers flush (or enqueue an
outbox job), never commit. Receivers are connected in one place, ``portal.events``."""
from blinker import Namespace

_signals = Namespace()

#: A version was submitted (first submission or resubmission). Sender: the ``Return``;
#: ``version``: the new ``ReturnVersion``.
return_submitted = _signals.signal("return-submitted")

#: The commissioner accepted the return or asked for changes. Sender: the ``Return``;
#: ``decision``: ``"accept"`` or ``"request_changes"``.
return_reviewed = _signals.signal("return-reviewed")
