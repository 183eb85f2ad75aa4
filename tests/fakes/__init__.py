"""Fakes of the outside systems that cannot run here (Slack, Loki, Bedrock) and a small
Prometheus: threaded HTTP servers on 127.0.0.1:0 speaking the real APIs' request and answer
shapes, recording what they were sent, and able to be slow or fail on request.
"""

from tests.fakes.bedrock import FakeBedrock
from tests.fakes.loki import FakeLoki
from tests.fakes.prometheus import FakePrometheus
from tests.fakes.slack import FakeSlack

__all__ = ["FakeBedrock", "FakeLoki", "FakePrometheus", "FakeSlack"]
