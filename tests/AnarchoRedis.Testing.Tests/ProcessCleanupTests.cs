using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using AnarchoRedis.Testing.Processes;
using Xunit;

namespace AnarchoRedis.Testing.Tests;

/// <summary>Everything the kit starts, it stops: on dispose, and (for a crashed host) on the next start.</summary>
public sealed class ProcessCleanupTests
{
    [Fact]
    public async Task Dispose_stops_every_process_even_a_paused_one()
    {
        var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 3 });
        var pids = cluster.Nodes.Select(n => n.Pid).ToArray();
        Assert.All(pids, pid => Assert.True(pid > 0 && Connections.ProcessExists(pid)));
        cluster[1].Pause();
        cluster[2].Kill();

        await cluster.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        await Connections.EventuallyAsync(() => Task.FromResult(pids.All(pid => !Connections.ProcessExists(pid))), "every redis-server is gone");
        Assert.All(pids, pid => Assert.False(File.Exists(Path.Combine(ProcessRegistry.Directory, $"{pid}.pid"))));
        await cluster.DisposeAsync();
    }

    [Fact]
    public async Task Each_running_node_has_a_pid_file_naming_its_owner()
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false });
        var pid = cluster[0].Pid;

        var text = await File.ReadAllTextAsync(Path.Combine(ProcessRegistry.Directory, $"{pid}.pid"));

        Assert.Equal($"{pid} {Environment.ProcessId}", text.Trim());
    }

    [Fact]
    public async Task The_next_start_kills_a_leftover_whose_owner_died()
    {
        // A host that died: a process that has exited, its pid now free.
        int deadOwner;
        using (var owner = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
        {
            await owner.WaitForExitAsync();
            deadOwner = owner.Id;
        }

        Assert.False(Connections.ProcessExists(deadOwner));
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("anarchoredis-leftover-").FullName;
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--dir", directory })
        {
            start.ArgumentList.Add(argument);
        }

        using var leftover = Process.Start(start)!;
        try
        {
            Directory.CreateDirectory(ProcessRegistry.Directory);
            var pidFile = Path.Combine(ProcessRegistry.Directory, $"{leftover.Id}.pid");
            await File.WriteAllTextAsync(pidFile, $"{leftover.Id} {deadOwner}\n");

            await using (await LocalCluster.StartAsync(new LocalClusterOptions { NodeCount = 1, Proxies = false }))
            {
            }

            Assert.True(leftover.WaitForExit(10_000), "the leftover redis-server was not killed");
            Assert.False(File.Exists(pidFile));
        }
        finally
        {
            if (!leftover.HasExited)
            {
                leftover.Kill();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_leftover_of_a_live_owner_is_left_alone()
    {
        var directory = Directory.CreateTempSubdirectory("anarchoredis-live-owner-").FullName;
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--port", FreePort().ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--dir", directory })
        {
            start.ArgumentList.Add(argument);
        }

        using var other = Process.Start(start)!;
        var pidFile = Path.Combine(ProcessRegistry.Directory, $"{other.Id}.pid");
        try
        {
            Directory.CreateDirectory(ProcessRegistry.Directory);
            // Owned by a live process (this one's parent, e.g. the test runner).
            await File.WriteAllTextAsync(pidFile, $"{other.Id} {Environment.ProcessId}\n");

            ProcessRegistry.ReapLeftovers();

            Assert.False(other.HasExited);
            Assert.True(File.Exists(pidFile));
        }
        finally
        {
            File.Delete(pidFile);
            other.Kill();
            await other.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
