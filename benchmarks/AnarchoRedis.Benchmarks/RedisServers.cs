using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using AnarchoRedis.Testing;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Local redis-server processes on free loopback ports, without persistence and without proxies, started by the
/// testing kit (<see cref="LocalCluster"/>): stopped by process id when disposed, when the process exits, and also on
/// Ctrl+C, SIGTERM and SIGQUIT.
/// </summary>
internal sealed class RedisServers : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly PosixSignalRegistration[] _signals;

    private RedisServers(LocalCluster cluster)
    {
        _cluster = cluster;
        Ports = [.. cluster.Nodes.Select(n => n.Port)];
        EndPoints = cluster.EndPoints;
        ProcessIds = [.. cluster.Nodes.Select(n => n.Pid)];
        // Ctrl+C and kill end the driver at once (the default action still runs after this handler), but never
        // without stopping the servers it started.
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => KillAll()),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => KillAll()),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => KillAll()),
        ];
    }

    public IReadOnlyList<int> Ports { get; }

    public IReadOnlyList<string> EndPoints { get; }

    public IReadOnlyList<int> ProcessIds { get; }

    public static Task<RedisServers> StartAsync(string path, int count) => StartAsync(path, count, 0);

    /// <summary>
    /// <paramref name="count"/> replicas: standalone redis-servers when <paramref name="shardsPerReplica"/> is 0, else
    /// each a Redis Cluster of that many shards (primaries only; <see cref="EndPoints"/> are then each replica's seeds).
    /// </summary>
    public static async Task<RedisServers> StartAsync(string path, int count, int shardsPerReplica)
    {
        var options = new LocalClusterOptions
        {
            NodeCount = count,
            Proxies = false,
            RedisServerPath = path,
            ClusterMode = shardsPerReplica > 0,
            ShardsPerReplica = Math.Max(1, shardsPerReplica),

            // Up to 18 servers start at once on a busy machine.
            StartTimeout = TimeSpan.FromSeconds(30),
        };
        var cluster = await LocalCluster.StartAsync(options).ConfigureAwait(false);
        return new RedisServers(cluster);
    }

    /// <summary>Client options naming every replica (<see cref="LocalCluster.CreateOptions"/>).</summary>
    public AnarchoRedisOptions CreateOptions(Action<AnarchoRedisOptions> configure) => _cluster.CreateOptions(configure);

    /// <summary>Every server's own handle (INFO commandstats per server, every shard of every replica).</summary>
    public IEnumerable<StackExchange.Redis.IServer> ServerHandles => _cluster.Nodes.Select(n => n.Server);

    /// <summary>Stops a node with SIGSTOP: its connections stay open and nothing answers (<see cref="LocalNode.Pause"/>).</summary>
    public void Pause(int index) => _cluster.Nodes[index].Pause();

    /// <summary>Continues a paused node (SIGCONT).</summary>
    public void Resume(int index) => _cluster.Nodes[index].Resume();

    public static string Version(string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            var text = process!.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        await _cluster.DisposeAsync().ConfigureAwait(false);
    }

    private void KillAll()
    {
        foreach (var node in _cluster.Nodes)
        {
            try
            {
                node.Kill();
            }
            catch (InvalidOperationException)
            {
                // Best effort while the process is going away.
            }
        }
    }
}
