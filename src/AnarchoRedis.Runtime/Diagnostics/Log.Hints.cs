using System;
using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <content>Hint messages (event ids 520-539).</content>
internal static partial class Log
{
    [LoggerMessage(520, LogLevel.Warning, "Node {Node} has {Max} hints pending; hint for {Key} dropped ({Dropped} dropped so far): anti-entropy will heal it")]
    public static partial void HintDropped(ILogger logger, string node, int max, string key, long dropped);

    [LoggerMessage(521, LogLevel.Debug, "Durable hint for {Node} (key {Key}) could not be kept on {Holder}")]
    public static partial void DurableHintFailed(ILogger logger, string node, string key, string holder, Exception error);

    [LoggerMessage(522, LogLevel.Information, "Hints replayed to {Node}: {Replayed} ({Source}), {Failed} kept after a failed repair, {Remaining} pending in memory")]
    public static partial void HintsReplayed(ILogger logger, string node, long replayed, string source, long failed, int remaining);

    [LoggerMessage(523, LogLevel.Debug, "Hints for {Node} not replayed: the node does not answer ({Reason}); next try in {Intervals} interval(s)")]
    public static partial void HintNodeNotAnswering(ILogger logger, string node, string reason, int intervals);

    [LoggerMessage(524, LogLevel.Debug, "Hint replay of {Key} to {Node} did not complete; the hint is kept")]
    public static partial void HintReplayFailed(ILogger logger, string key, string node);

    [LoggerMessage(525, LogLevel.Warning, "Hint for {Node} names the type '{TypeName}' (key {Key}), which this client does not know; it is left for a client that does (or anti-entropy)")]
    public static partial void HintUnknownType(ILogger logger, string node, string typeName, string key);

    [LoggerMessage(526, LogLevel.Warning, "Durable hint stream {Stream} on {Holder} holds a malformed entry {Id}; it is deleted")]
    public static partial void DurableHintMalformed(ILogger logger, string stream, string holder, string id);

    [LoggerMessage(527, LogLevel.Warning, "Reading or deleting durable hints for {Node} on {Holder} failed; they are kept")]
    public static partial void DurableHintReadFailed(ILogger logger, string node, string holder, Exception error);

    [LoggerMessage(528, LogLevel.Error, "Hint replay round failed")]
    public static partial void HintReplayRoundFailed(ILogger logger, Exception error);

    [LoggerMessage(529, LogLevel.Debug, "Hints for {Node} not replayed: only {Answering} of {Nodes} nodes answer (a majority is needed to know the newest state)")]
    public static partial void HintTooFewNodes(ILogger logger, string node, int answering, int nodes);
}
