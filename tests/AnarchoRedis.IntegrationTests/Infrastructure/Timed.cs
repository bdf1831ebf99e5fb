using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Xunit.Abstractions;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// Runs one case of the bad-input corpus and prints how long it took (the figures docs/reliability.md quotes). The
/// guard only stops a hang: speed is measured, never asserted.
/// </summary>
internal static class Timed
{
    /// <summary>How long a case may run before it is taken for a hang.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);

    /// <summary>Runs <paramref name="operation"/> and writes "<paramref name="what"/>: N ms" to the test output.</summary>
    public static async Task<T> RunAsync<T>(ITestOutputHelper output, string what, Func<Task<T>> operation)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return await operation().WaitAsync(HangGuard);
        }
        finally
        {
            output.WriteLine($"{what}: {watch.Elapsed.TotalMilliseconds:0} ms");
        }
    }
}
