using System;
using System.IO;
using System.Threading.Tasks;
using AnarchoRedis.Jepsen.Orchestration;
using AnarchoRedis.Jepsen.Reporting;
using Xunit.Abstractions;

namespace AnarchoRedis.Jepsen.Tests;

/// <summary>How the CI seeds run the orchestrator: the report in the temp folder under the run's name, the log to the test's output, a time limit.</summary>
internal static class CiRun
{
    public static Task<RunReport> RunAsync(RunSettings settings, string name, ITestOutputHelper output, TimeSpan limit) =>
        Orchestrator.RunAsync(settings with
        {
            ReportPath = Path.Combine(Path.GetTempPath(), $"anarchoredis-jepsen-ci-{name}-seed{settings.Seed}.json"),
            Log = output.WriteLine,
        }).WaitAsync(limit);
}
