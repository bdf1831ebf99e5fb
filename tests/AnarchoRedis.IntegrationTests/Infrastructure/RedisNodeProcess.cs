using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.IntegrationTests.Infrastructure;

/// <summary>
/// One real <c>redis-server</c> process on a free loopback port, owned by the test that started it: it can be
/// killed, paused (SIGSTOP), resumed and restarted on the same port, and it carries a direct connection for
/// looking at (or tampering with) the node behind the library's back. The process is only ever signalled by its
/// own pid, and it is always stopped on dispose, also when the test fails.
/// </summary>
public sealed class RedisNodeProcess : IAsyncDisposable
{
    private const int SigKill = 9;
    private const int SigCont = 18;
    private const int SigStop = 19;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string _directory;
    private Process? _process;
    private ConnectionMultiplexer? _direct;
    private bool _disposed;

    private RedisNodeProcess(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    /// <summary>The TCP port on 127.0.0.1 (kept across restarts).</summary>
    public int Port { get; }

    /// <summary>The endpoint as a StackExchange.Redis configuration string, <c>127.0.0.1:port</c>.</summary>
    public string EndPoint => $"127.0.0.1:{Port}";

    /// <summary>The pid of the current process, or 0 when it is not running.</summary>
    public int Pid => _process is { HasExited: false } p ? p.Id : 0;

    /// <summary>Whether the process is alive (paused counts as alive).</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether the process is stopped with SIGSTOP.</summary>
    public bool IsPaused { get; private set; }

    /// <summary>A direct connection to this node only (admin commands allowed); replaced on every restart.</summary>
    public IDatabase Db => (_direct ?? throw new InvalidOperationException($"Node {EndPoint} is not running.")).GetDatabase();

    /// <summary>The direct connection's server handle (SCRIPT FLUSH, SAVE, DBSIZE, …).</summary>
    public IServer Server => (_direct ?? throw new InvalidOperationException($"Node {EndPoint} is not running.")).GetServer("127.0.0.1", Port);

    /// <summary>Starts a node on a free port, retrying with another port when the one picked was taken meanwhile.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running node, answering PING.</returns>
    public static async Task<RedisNodeProcess> StartAsync(CancellationToken cancellationToken = default)
    {
        RedisServerBinary.EnsureAvailable();
        Exception? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var directory = Directory.CreateTempSubdirectory("anarchoredis-node-").FullName;
            var node = new RedisNodeProcess(directory, FreePort());
            try
            {
                await node.LaunchAsync(cancellationToken).ConfigureAwait(false);
                return node;
            }
            catch (PortTakenException ex)
            {
                last = ex;
                await node.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await node.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        throw new InvalidOperationException("Could not start redis-server on a free port after 5 attempts.", last);
    }

    /// <summary>SIGKILLs the process (resuming it first, so a paused one dies too) and waits for it to be gone.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            _ = NativeMethods.kill(process.Id, SigCont);
            _ = NativeMethods.kill(process.Id, SigKill);
            if (!process.WaitForExit(5000))
            {
                throw new InvalidOperationException($"redis-server pid {process.Id} did not exit after SIGKILL.");
            }
        }

        IsPaused = false;
        process.Dispose();
        _process = null;
        ProcessRegistry.Forget(this);
        CloseDirect();
    }

    /// <summary>Stops the process with SIGSTOP: a hung node. TCP connections stay open, commands queue up unanswered.</summary>
    public void Pause()
    {
        Signal(SigStop);
        IsPaused = true;
    }

    /// <summary>Continues a paused process (SIGCONT). Commands queued while it was stopped then run.</summary>
    public void Resume()
    {
        Signal(SigCont);
        IsPaused = false;
    }

    /// <summary>Writes an RDB snapshot (SAVE), so that <see cref="RestartAsync(bool)"/> with <c>fromSnapshot</c> brings the node back with this data.</summary>
    /// <returns>A task that completes when saved.</returns>
    public async Task SnapshotAsync()
    {
        await Db.ExecuteAsync("SAVE").ConfigureAwait(false);
    }

    /// <summary>
    /// Kills the process if it runs and starts a new one on the same port. By default the new node is empty (a node
    /// that lost everything); with <paramref name="fromSnapshot"/> it loads the last <see cref="SnapshotAsync"/>
    /// (a node that was down and kept its data).
    /// </summary>
    /// <param name="fromSnapshot">Whether to load the last snapshot.</param>
    /// <returns>A task that completes when the new process answers PING.</returns>
    public async Task RestartAsync(bool fromSnapshot = false)
    {
        Kill();
        var dump = Path.Combine(_directory, "dump.rdb");
        if (!fromSnapshot && File.Exists(dump))
        {
            File.Delete(dump);
        }

        if (fromSnapshot && !File.Exists(dump))
        {
            throw new InvalidOperationException($"Node {EndPoint} has no snapshot to restart from; call SnapshotAsync first.");
        }

        // The port was ours a moment ago; the kernel may still hold it briefly, so retry a little.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await LaunchAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (PortTakenException) when (attempt < 20)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Stops the process (by its pid) and removes its directory.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Kill();
        }
        finally
        {
            if (_direct is not null)
            {
                await _direct.DisposeAsync().ConfigureAwait(false);
                _direct = null;
            }

            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }

    /// <summary>Kills the process synchronously; used by the process-exit safety net.</summary>
    internal void KillQuietly()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"redis-server {EndPoint} (pid {Pid})";

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private void Signal(int signal)
    {
        var process = _process ?? throw new InvalidOperationException($"Node {EndPoint} is not running.");
        if (NativeMethods.kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var log = Path.Combine(_directory, "redis.log");
        var start = new ProcessStartInfo(RedisServerBinary.Path)
        {
            UseShellExecute = false,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", _directory,
            "--dbfilename", "dump.rdb",
            "--logfile", log,
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned no process for redis-server.");
        _process = process;
        ProcessRegistry.Track(this, process.Id);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                var text = File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken).ConfigureAwait(false) : string.Empty;
                _process = null;
                ProcessRegistry.Forget(this);
                process.Dispose();
                if (text.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new PortTakenException(Port);
                }

                throw new InvalidOperationException($"redis-server on port {Port} exited with code {process.ExitCode} while starting. Log:\n{Tail(text)}");
            }

            if (await PingsAsync(Port).ConfigureAwait(false))
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                Kill();
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartTimeout.TotalSeconds} s.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        var config = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", Port } },
            AllowAdmin = true,
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 2000,
            AsyncTimeout = 2000,
            ClientName = "anarchoredis-test-direct",
        };
        _direct = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
    }

    private void CloseDirect()
    {
        var direct = _direct;
        _direct = null;
        if (direct is not null)
        {
            // Not awaited: Kill is synchronous, and a blocking Dispose would hold a thread-pool thread the tests need.
            _ = direct.CloseAsync(allowCommandsToComplete: false).ContinueWith(_ => direct.Dispose(), TaskScheduler.Default);
        }
    }

    private static async Task<bool> PingsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            // "-LOADING" while an RDB loads: not ready yet.
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];

    private sealed class PortTakenException(int port) : Exception($"Port {port} is already in use.");

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // Two ints: no marshalling, and LibraryImport would need unsafe code in the project.
        internal static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
    }
}

/// <summary>Finds <c>redis-server</c> and fails with install advice when it is missing.</summary>
internal static class RedisServerBinary
{
    private static readonly Lazy<string?> Found = new(Find);

    public static string Path => Found.Value ?? throw Missing();

    public static void EnsureAvailable() => _ = Path;

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("REDIS_SERVER");
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured))
        {
            return configured;
        }

        var paths = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in new List<string>(paths) { "/usr/bin", "/usr/local/bin", "/usr/sbin" })
        {
            var candidate = System.IO.Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static InvalidOperationException Missing() => new(
        "redis-server was not found (looked in $REDIS_SERVER, $PATH, /usr/bin, /usr/local/bin). The integration tests start " +
        "their own Redis nodes; install it with: apt-get update && apt-get install -y redis-server");
}

/// <summary>
/// The safety net for a test host that exits without disposing its nodes: on process exit every node still alive is
/// killed by its pid; and when <c>ANARCHOREDIS_PID_DIR</c> is set, each pid is written there so a CI script can kill
/// leftovers (by pid) even after a crash.
/// </summary>
internal static class ProcessRegistry
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<RedisNodeProcess, string?> Live = new();
    private static bool _hooked;

    public static void Track(RedisNodeProcess node, int pid)
    {
        string? file = null;
        var directory = Environment.GetEnvironmentVariable("ANARCHOREDIS_PID_DIR");
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
            file = System.IO.Path.Combine(directory, $"{pid}.pid");
            File.WriteAllText(file, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        lock (Gate)
        {
            Live[node] = file;
            if (!_hooked)
            {
                _hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
            }
        }
    }

    public static void Forget(RedisNodeProcess node)
    {
        string? file;
        lock (Gate)
        {
            if (!Live.Remove(node, out file))
            {
                return;
            }
        }

        if (file is not null)
        {
            File.Delete(file);
        }
    }

    private static void KillAll()
    {
        RedisNodeProcess[] nodes;
        lock (Gate)
        {
            nodes = [.. Live.Keys];
        }

        foreach (var node in nodes)
        {
            node.KillQuietly();
        }
    }
}
