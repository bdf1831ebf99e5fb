using Microsoft.Extensions.Logging;

namespace AnarchoRedis;

/// <summary>The log messages that carry a pass's own types (the others are in Diagnostics/Log.cs; event ids are shared, 400-499 anti-entropy).</summary>
internal static partial class AntiEntropyLog
{
    [LoggerMessage(400, LogLevel.Debug, "Anti-entropy {Mode} pass started over {Nodes} nodes")]
    public static partial void Started(ILogger logger, AntiEntropyPassMode mode, int nodes);

    [LoggerMessage(401, LogLevel.Information, "Anti-entropy: {Report}")]
    public static partial void Completed(ILogger logger, AntiEntropyReport report);

    [LoggerMessage(406, LogLevel.Information, "Anti-entropy: node {Node} has evicted keys ({Evicted} in all, more than the last verified pass saw): its keys are checked against their meta")]
    public static partial void EvictionSweep(ILogger logger, string node, long evicted);
}
