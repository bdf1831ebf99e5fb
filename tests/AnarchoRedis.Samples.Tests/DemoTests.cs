using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Samples.Tests;

/// <summary>
/// Runs the README's demo as users run it: the built demo as its own process (<c>dotnet AnarchoRedis.Samples.Demo.dll</c>),
/// output redirected, three embedded Garnet nodes. A separate process, not a call to <c>Main</c>: it checks what users
/// get (exit code, console output, Ctrl+C and exit hooks of a real process), and the embedded servers and console
/// redirection cannot leak into the test host.
/// </summary>
public sealed class DemoTests
{
    [Fact]
    public async Task NonInteractiveDemoHealsNodeCAndEndsWithEveryNodeIdentical()
    {
        var (exitCode, output) = await RunDemoAsync("--non-interactive");

        Assert.True(exitCode == 0, $"the demo exited with {exitCode}:\n{output}");
        // The story, in order: each step line, then the summary.
        var at = 0;
        foreach (var marker in new[]
        {
            "== Step 1/7: writes under load",
            "== Step 2/7: node C is killed", "C (down)",
            "== Step 3/7: writes continue with 2 of 3 nodes", "tombstone",
            "== Step 4/7: node C restarts empty", "C (filling)", "missing",
            "== Step 5/7: reads repair the keys they touch", "C now holds the newest user:1 and user:2 (read repair)",
            "== Step 6/7: an anti-entropy pass heals the rest", "C (ready)",
            "== Step 7/7: convergence check",
            "== Convergence summary", "a second pass found 0 slots differing", "(whole keyspace), 0 differ", "CONVERGED: all 3 nodes identical",
            "Stopped the 3 servers this demo started.",
        })
        {
            var next = output.IndexOf(marker, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"\"{marker}\" missing after position {at} of the output:\n{output}");
            at = next + marker.Length;
        }

        // After the pass, no cell of the table is anything but fresh or a tombstone.
        var last = output[output.LastIndexOf("== Step 6/7", StringComparison.Ordinal)..];
        Assert.DoesNotContain("missing", last, StringComparison.Ordinal);
        Assert.DoesNotContain("stale", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownOptionIsRejectedWithTheUsage()
    {
        var (exitCode, output) = await RunDemoAsync("--no-such-option");

        Assert.Equal(2, exitCode);
        Assert.Contains("Unknown or incomplete option '--no-such-option'", output, StringComparison.Ordinal);
        Assert.Contains("--non-interactive", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunDemoAsync(params string[] arguments)
    {
        var demo = Path.Combine(AppContext.BaseDirectory, "AnarchoRedis.Samples.Demo.dll");
        Assert.True(File.Exists(demo), $"{demo} not found: the test project references the demo project, which should copy it here.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(demo);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            // A guard against a hang, not a speed check: the demo takes seconds.
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The demo did not end within 3 minutes:\n{await stdout}{await stderr}");
        }

        var output = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        return (process.ExitCode, output);
    }
}
