using System;
using System.IO;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Orchestration;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>
/// The real orchestrator: three redis-servers behind proxies, two worker processes of four clients each, the seeded
/// nemesis (kill with empty or kept restarts, pause, stall and reset partitions, latency), then heal, one
/// anti-entropy pass and the check. Three seeds of 25 s each: the short schedule of issue 5.
/// </summary>
[Trait("Category", "Nemesis")]
[Collection(NemesisCollection.Name)]
public sealed class NemesisTests
{
    private readonly ITestOutputHelper _output;

    public NemesisTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_short_nemesis_schedule_loses_no_acknowledged_write_and_leaves_identical_replicas(int seed)
    {
        var report = await Orchestrator.RunAsync(new RunSettings
        {
            Seed = seed,
            Duration = TimeSpan.FromSeconds(25),
            ReportPath = Path.Combine(Path.GetTempPath(), $"anarchoredis-jepsen-ci-seed{seed}.json"),
            Log = _output.WriteLine,
        }).WaitAsync(TimeSpan.FromMinutes(3));

        var check = report.Check;
        // The run did something: faults were injected and writes were acknowledged through them.
        Assert.NotEmpty(report.Faults);
        Assert.True(check.AcknowledgedAppends > 100, $"only {check.AcknowledgedAppends} appends acknowledged");
        Assert.True(check.AcknowledgedRegisterOps > 100, $"only {check.AcknowledgedRegisterOps} register writes acknowledged");
        Assert.True(check.AllOperationsDuringFaults.Ok > 0);

        Assert.Equal(0, check.LostAppends.Count);
        Assert.Equal(0, check.DuplicateElements.Count);
        Assert.Equal(0, check.UnexpectedElements.Count);
        Assert.Equal(0, check.LostRegisterWrites.Count);
        Assert.Equal(0, check.ResurrectedDeletes.Count);
        Assert.Equal(0, check.UnexpectedRegisterValues.Count);
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
