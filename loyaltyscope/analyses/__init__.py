"""The mission's analyses, one call each (channel preferences, attitudinal vs behavioral
loyalty, the satisfaction chain, key drivers and importance–performance, wave comparison).
Each analysis is a function over the public engine (``cbsem``, ``psychometrics``, ``survey``)
returning a frozen result that follows the results protocol."""

from loyaltyscope.analyses.channels import ChannelPreferencesResult, channel_preferences
from loyaltyscope.analyses.chain import SatisfactionChainResult, satisfaction_chain
from loyaltyscope.analyses.drivers import KeyDriversResult, key_drivers
from loyaltyscope.analyses.importance_performance import IPAResult, ipa
from loyaltyscope.analyses.inputs import AnalysisError
from loyaltyscope.analyses.loyalty_segments import LoyaltyResult, loyalty
from loyaltyscope.analyses.nested import NestedComparison, compare
from loyaltyscope.analyses.waves import WaveComparison, compare_waves

__all__ = ["key_drivers", "KeyDriversResult", "ipa", "IPAResult", "compare", "NestedComparison", "AnalysisError",
           "satisfaction_chain", "SatisfactionChainResult", "loyalty",
           "LoyaltyResult", "channel_preferences", "ChannelPreferencesResult",
           "compare_waves", "WaveComparison"]
