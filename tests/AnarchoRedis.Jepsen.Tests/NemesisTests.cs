using System;
using System.IO;
using System.Threading.Tasks;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.Nemesis;
using AnarchoRedis.Jepsen.Orchestration;
using AnarchoRedis.Jepsen.Reporting;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The real orchestrator: three redis-servers behind proxies, two worker processes of four clients each (appends,
/// removes, trims, list deletes, register writes and deletes, times to live, reads), the seeded nemesis, then heal,
/// one anti-entropy pass and the check. Three seeds of 25 s each per fault set.
/// </summary>
[Trait("Category", "Nemesis")]
[Collection(NemesisCollection.Name)]
public sealed class NemesisTests
{
    private readonly ITestOutputHelper _output;

    public NemesisTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Every nemesis but the clock jump: kill with empty or kept restarts, pause, stall and reset partitions, latency,
    /// FLUSHALL, BUSY, eviction, restarts from an older snapshot, LOADING, fresh clients mid-fault. The clock jump has
    /// its own test below.
    /// </summary>
    public static readonly string[] CiFaults = FaultKind.All.Where(k => k != FaultKind.ClockJump).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_short_nemesis_schedule_loses_no_acknowledged_write_and_leaves_identical_replicas(int seed)
    {
        var report = await RunAsync(seed, CiFaults, "all");
        AssertValid(report);
    }

    /// <summary>
    /// The nemeses issue 13 added, alone, so each seed meets several of them: a restart from an older snapshot, a node
    /// answering LOADING while it loads, clients created while a node is down and then wiped.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_new_nemeses_lose_no_acknowledged_write_and_leave_identical_replicas(int seed)
    {
        var report = await RunAsync(seed, [FaultKind.Snapshot, FaultKind.Loading, FaultKind.FreshClient], "new");
        AssertValid(report);
        Assert.Contains(report.Faults, f => f.Kind is FaultKind.Snapshot or FaultKind.Loading or FaultKind.FreshClient);
    }

    /// <summary>
    /// A worker's clock jumps forward within MaxClockSkew (2 s here) or beyond it, among data-losing faults. Beyond it,
    /// the jumped clients' list deletes carry watermarks seconds ahead: a push of the other clients that falls under one
    /// must not be acknowledged (InvisibleWrites), and writes that do take effect there must not be reported as failed
    /// (ListClockSkewTests has both rules on a real server).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_clock_jump_makes_no_acknowledged_write_invisible_or_lost(int seed)
    {
        var report = await RunAsync(seed, [FaultKind.ClockJump, FaultKind.KillEmpty, FaultKind.Flush], "clock");
        AssertValid(report);
        Assert.Contains(report.Faults, f => f.Kind == FaultKind.ClockJump);
    }

    private Task<RunReport> RunAsync(int seed, IReadOnlyList<string> faults, string name) =>
        CiRun.RunAsync(new RunSettings { Seed = seed, Duration = TimeSpan.FromSeconds(25), Faults = faults }, name, _output, TimeSpan.FromMinutes(3));

    internal static void AssertValid(RunReport report)
    {
        var check = report.Check;
        // The run did something: faults were injected and writes were acknowledged through them.
        Assert.NotEmpty(report.Faults);
        Assert.True(check.AcknowledgedAppends > 100, $"only {check.AcknowledgedAppends} appends acknowledged");
        Assert.True(check.AcknowledgedRegisterOps > 100, $"only {check.AcknowledgedRegisterOps} register writes acknowledged");
        Assert.True(check.AcknowledgedListRemovals > 10, $"only {check.AcknowledgedListRemovals} removes, trims and list deletes acknowledged");
        Assert.True(check.AllOperationsDuringFaults.Ok > 0);

        Assert.Equal(0, check.LostAppends.Count);
        Assert.Equal(0, check.DuplicateElements.Count);
        Assert.Equal(0, check.UnexpectedElements.Count);
        Assert.Equal(0, check.ResurrectedElements.Count);
        Assert.Equal(0, check.LostRegisterWrites.Count);
        Assert.Equal(0, check.ResurrectedDeletes.Count);
        Assert.Equal(0, check.UnexpectedRegisterValues.Count);
        Assert.Equal(0, check.ExpiryMismatches.Count);
        Assert.Equal(0, check.VanishedValues.Count);
        Assert.Equal(0, check.ExpiredReads.Count);
        Assert.Equal(0, check.InvisibleWrites.Count);
        Assert.Equal(0, check.StaleReads.Count);
        Assert.True(check.ReplicasIdentical, report.Summary());
        Assert.True(report.Valid, report.Summary());
    }
}

/// <summary>One node paused or partitioned for the whole window: W = R = 2 of N = 3 must keep answering.</summary>
[Trait("Category", "Nemesis")]
[Collection(NemesisCollection.Name)]
public sealed class AvailabilityTests
{
    private readonly ITestOutputHelper _output;

    public AvailabilityTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("pause")]
    [InlineData("partition")]
    public async Task With_one_node_faulty_at_least_99_percent_of_operations_succeed(string fault)
    {
        var report = await AvailabilityScenario.RunAsync(new RunSettings
        {
            AvailabilityFault = fault,
            Duration = TimeSpan.FromSeconds(10),
            Log = _output.WriteLine,
        }).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(report.Operations.Total > 100, report.Summary());
        Assert.True(report.SuccessRatio >= 0.99, report.Summary());
    }
}

/// <summary>Fault runs one at a time: each starts its own nodes and processes, and the availability figures should not share the CPU with a nemesis run.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NemesisCollection
{
    public const string Name = "Nemesis";
}
