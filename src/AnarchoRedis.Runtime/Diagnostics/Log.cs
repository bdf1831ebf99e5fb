using System;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>The library's log messages (event ids 1xx: replication, 2xx: repair, 3xx: clock, 4xx: anti-entropy, 500-519: node health and epochs, 9xx: connection).</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "Quorum not reached for {Operation} of {Key}: {Acknowledged} of {Required} ({Outcomes})")]
    public static partial void QuorumNotReached(ILogger logger, string operation, string key, int acknowledged, int required, string outcomes);

    [LoggerMessage(101, LogLevel.Debug, "Node {Node} did not acknowledge the write of {Key} at {Version}: {Outcome}")]
    public static partial void MissedWrite(ILogger logger, string node, string key, ReplicatedVersion version, NodeOutcomeKind outcome, Exception? error);

    [LoggerMessage(102, LogLevel.Warning, "Node {Node} holds bad data for {Key}: {Reason}")]
    public static partial void BadNodeData(ILogger logger, string node, string key, string reason);

    [LoggerMessage(103, LogLevel.Warning, "Node {Node} holds data for {Key} without a meta key (written outside AnarchoRedis); it is treated as absent and replaced by the next write or repair")]
    public static partial void UnversionedData(ILogger logger, string node, string key);

    [LoggerMessage(104, LogLevel.Debug, "Node {Node} refused {Script} for hash slot {Slot} ({Reason}, send {Attempt}): sending it again in {DelayMs} ms")]
    public static partial void SlotRefusalRetried(ILogger logger, string node, string script, int slot, string reason, int attempt, int delayMs);

    [LoggerMessage(200, LogLevel.Debug, "Read repair of {Key} on {Node} to {Version} ({Mode}): {Result}")]
    public static partial void ReadRepaired(ILogger logger, string key, string node, ReplicatedVersion version, string mode, string result);

    [LoggerMessage(201, LogLevel.Warning, "Read repair of {Key} on {Node} failed")]
    public static partial void ReadRepairFailed(ILogger logger, string key, string node, Exception error);

    [LoggerMessage(202, LogLevel.Debug, "List repair of {Key} on {Node} ({Mode}): {Result}, {Count} elements")]
    public static partial void ListRepaired(ILogger logger, string key, string node, string mode, string result, long count);

    [LoggerMessage(203, LogLevel.Warning, "List repair of {Key} on {Node} failed")]
    public static partial void ListRepairFailed(ILogger logger, string key, string node, Exception error);

    [LoggerMessage(204, LogLevel.Debug, "Replicas of list {Key} disagree after {Operation}; merging the full lists")]
    public static partial void ListDiverged(ILogger logger, string key, string operation);

    [LoggerMessage(300, LogLevel.Warning, "Version {Version} seen for {Key} is {Skew} ahead of the local clock (limit {Limit}); it will win last-writer-wins comparisons")]
    public static partial void ClockSkew(ILogger logger, ReplicatedVersion version, string key, TimeSpan skew, TimeSpan limit);

    [LoggerMessage(402, LogLevel.Error, "Anti-entropy pass failed")]
    public static partial void AntiEntropyFailed(ILogger logger, Exception error);

    [LoggerMessage(403, LogLevel.Warning, "Anti-entropy: {Kind} (key {Key}, node {Node}): {Message}")]
    public static partial void AntiEntropyProblem(ILogger logger, AntiEntropyProblemKind kind, string key, string node, string message, Exception? error);

    [LoggerMessage(405, LogLevel.Warning, "Anti-entropy: key {Key} (on {Node}) is of type '{TypeName}', which this process's registry does not hold; it is left as it is")]
    public static partial void AntiEntropyUnknownKey(ILogger logger, string key, string node, string typeName);

    [LoggerMessage(404, LogLevel.Debug, "Anti-entropy repaired {Kind} {Key} on {Node}: {Result}")]
    public static partial void AntiEntropyRepaired(ILogger logger, string kind, string key, string node, string result);

    [LoggerMessage(500, LogLevel.Warning, "Circuit of node {Node} opened ({Failures} consecutive failures, or its connection dropped): operations skip it until a probe gets an answer")]
    public static partial void CircuitOpened(ILogger logger, string node, int failures);

    [LoggerMessage(501, LogLevel.Information, "Circuit of node {Node} closed: it answered and its epoch was verified ({State})")]
    public static partial void CircuitClosed(ILogger logger, string node, NodeHealthState state);

    [LoggerMessage(502, LogLevel.Information, "Node {Node} had no epoch and none of the nodes had one: a new cluster; epoch {EpochId} created ready")]
    public static partial void EpochCreatedReady(ILogger logger, string node, string epochId);

    [LoggerMessage(503, LogLevel.Warning, "Node {Node} lost its data (its epoch vanished): epoch {EpochId} created filling; it takes writes, but its reads do not count toward R until an anti-entropy pass has refilled it")]
    public static partial void EpochCreatedFilling(ILogger logger, string node, string epochId);

    [LoggerMessage(504, LogLevel.Warning, "Node {Node} has epoch {EpochId} ({State}) instead of {PreviousId}: it was wiped and another client noticed first")]
    public static partial void EpochChanged(ILogger logger, string node, string epochId, string state, string previousId);

    [LoggerMessage(505, LogLevel.Information, "Node {Node} is ready again (epoch {EpochId}): its reads count toward R")]
    public static partial void EpochBecameReady(ILogger logger, string node, string epochId);

    [LoggerMessage(506, LogLevel.Error, "The epoch of node {Node} cannot be verified ({Reason}); its reads do not count toward R")]
    public static partial void EpochUnverifiable(ILogger logger, string node, string reason);

    [LoggerMessage(507, LogLevel.Debug, "Epoch check of node {Node} failed")]
    public static partial void EpochCheckFailed(ILogger logger, string node, Exception error);

    [LoggerMessage(508, LogLevel.Information, "Anti-entropy refilled node {Node}: epoch {EpochId} set ready")]
    public static partial void EpochMarkedReady(ILogger logger, string node, string epochId);

    [LoggerMessage(509, LogLevel.Warning, "Anti-entropy could not set node {Node} ready (epoch {EpochId})")]
    public static partial void EpochMarkReadyFailed(ILogger logger, string node, string epochId, Exception error);

    [LoggerMessage(511, LogLevel.Warning, "Node {Node} restarted (its server run id changed) under epoch {EpochId}: what it reloaded may be older than what it acknowledged, so it is filling; its reads do not count toward R until an anti-entropy pass has compared it")]
    public static partial void EpochRestarted(ILogger logger, string node, string epochId);

    [LoggerMessage(510, LogLevel.Error, "The node health prober failed; it goes on at the next interval")]
    public static partial void ProbeFailed(ILogger logger, Exception error);

    [LoggerMessage(900, LogLevel.Information, "Connected to {Count} nodes: {Nodes}")]
    public static partial void Connected(ILogger logger, int count, string nodes);
}
