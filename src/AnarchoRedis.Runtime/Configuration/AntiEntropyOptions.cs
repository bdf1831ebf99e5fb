using System;

namespace AnarchoRedis;

/// <summary>
/// How the scheduled self-healer runs (<see cref="AnarchoRedisOptions.AntiEntropy"/>; bind it from the
/// <c>AnarchoRedis:AntiEntropy</c> configuration section).
/// </summary>
public sealed class AntiEntropyOptions
{
    /// <summary>Whether the hosted <see cref="AntiEntropyService"/> runs passes on its own. Default <see langword="true"/>.</summary>
    /// <remarks>Passes on demand (<see cref="AntiEntropyRunner.RunPassAsync"/>) work either way.</remarks>
    public bool Enabled { get; set; } = true;

    /// <summary>The time between the end of one scheduled pass and the start of the next. Default 10 minutes.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A random extra wait, between zero and this, added to every interval, so that many client processes started
    /// together do not all pass at once. Default 1 minute.
    /// </summary>
    public TimeSpan Jitter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most keys a pass compares per second (each compared key costs a few commands on every node); 0 removes
    /// the limit. Reading slot digests is not throttled: it costs one command per slot and node. Default 20,000.
    /// </summary>
    public int MaxKeysPerSecond { get; set; } = 20_000;

    /// <summary>How many slots' digests are requested from a node at a time. Default 1,024.</summary>
    public int SlotBatchSize { get; set; } = 1024;

    /// <summary>How many slots (digest pass) or keys (SCAN pass) are compared in parallel. Default 32.</summary>
    public int Concurrency { get; set; } = 32;

    /// <summary>How many problems a pass report keeps in full (it counts them all). Default 100.</summary>
    public int MaxReportedProblems { get; set; } = 100;
}
