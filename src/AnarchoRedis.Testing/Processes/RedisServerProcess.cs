using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis.Testing.Processes;

/// <summary>
/// A <c>redis-server</c> child process in its own temporary directory. It is only ever signalled by its own pid,
/// is tracked by <see cref="ProcessRegistry"/> while it lives, and never holds this process' stdout or stderr.
/// </summary>
internal sealed class RedisServerProcess : NodeServer
{
    private readonly string _binary;
    private readonly string _directory;
    private readonly bool _persistence;
    private readonly IReadOnlyList<string> _arguments;
    private readonly TimeSpan _startTimeout;
    private readonly NodeSecurity? _security;
    private readonly ClusterSettings? _cluster;
    private readonly Lock _gate = new();
    private Process? _process;

    public RedisServerProcess(int port, string binary, bool persistence, IReadOnlyList<string> arguments, TimeSpan startTimeout, NodeSecurity? security = null, ClusterSettings? cluster = null)
        : base(port)
    {
        _cluster = cluster;
        _security = security;
        _binary = binary;
        _persistence = persistence;
        _arguments = arguments;
        _startTimeout = startTimeout;
        _directory = Directory.CreateTempSubdirectory("anarchoredis-node-").FullName;
    }

    public override int Pid
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false } p ? p.Id : 0;
            }
        }
    }

    public override bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    public override bool CanKeepData => _persistence || File.Exists(DumpFile);

    private string DumpFile => Path.Combine(_directory, "dump.rdb");

    private string AclFile => Path.Combine(_directory, "users.acl");

    /// <summary>The cluster configuration file (cluster mode): kept when data is lost, so the node stays the same cluster member.</summary>
    private string NodesFile => Path.Combine(_directory, "nodes.conf");

    public override bool Persistence => _persistence;

    public override bool HasSnapshot => File.Exists(DumpFile);

    public override async Task StartAsync(RestartMode mode, IReadOnlyList<string> extraArguments, CancellationToken cancellationToken)
    {
        if (mode == RestartMode.LoseData)
        {
            DeleteData();
        }
        else if (mode == RestartMode.FromSnapshot)
        {
            if (!File.Exists(DumpFile))
            {
                throw new InvalidOperationException($"redis-server on port {Port} has no snapshot to restart from: call SnapshotAsync before.");
            }

            // An older backup restored: what the append-only file has since the snapshot is gone.
            DeleteAppendOnlyFiles();
        }
        else if (!CanKeepData)
        {
            throw new InvalidOperationException(
                $"redis-server on port {Port} has no data to restart with: turn LocalClusterOptions.Persistence on, or call SnapshotAsync before the kill.");
        }

        var log = Path.Combine(_directory, "redis.log");
        if (_security?.AclFileText is { } acl)
        {
            // Written at every start: a start that loses data deletes the directory's files.
            await File.WriteAllTextAsync(AclFile, acl, cancellationToken).ConfigureAwait(false);
        }

        var start = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            // Redirected (and drained) so a leftover server never holds the test host's output open.
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in Arguments(log))
        {
            start.ArgumentList.Add(argument);
        }

        if (mode == RestartMode.FromSnapshot && _persistence)
        {
            // With appendonly on and no append-only file, redis-server starts empty and ignores dump.rdb: load the
            // snapshot first; LocalNode turns the append-only file back on once the node answers.
            start.ArgumentList.Add("--appendonly");
            start.ArgumentList.Add("no");
        }

        foreach (var argument in extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Where this start's lines begin in the log (a restart appends to it).
        var logStart = File.Exists(log) ? new FileInfo(log).Length : 0;
        Process process;
        lock (_gate)
        {
            if (_process is not null)
            {
                throw new InvalidOperationException($"redis-server on port {Port} is already running (pid {_process.Id}).");
            }

            process = Process.Start(start) ?? throw new InvalidOperationException($"Process.Start returned no process for {_binary}.");
            _process = process;
        }

        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ProcessRegistry.Track(process.Id, KillQuietly);
        var deadline = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited)
                {
                    var text = File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken).ConfigureAwait(false) : string.Empty;
                    if (text.Contains("Address already in use", StringComparison.Ordinal))
                    {
                        throw new PortTakenException(Port);
                    }

                    throw new InvalidOperationException($"redis-server on port {Port} exited with code {process.ExitCode} while starting. Log:\n{Tail(text)}");
                }

                // A PING answered on the port is not enough: another process (a test host running beside this one) may
                // have bound the same port first, and this server is about to exit with "Address already in use". Only
                // this server's own "Ready to accept connections" line says the port is ours.
                if (await AnswersAsync(Port, _security).ConfigureAwait(false) && await LoggedReadyAsync(log, logStart, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                if (deadline.Elapsed > _startTimeout)
                {
                    throw new TimeoutException($"redis-server on port {Port} did not answer PING within {_startTimeout.TotalSeconds} s.");
                }

                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Kill();
            throw;
        }
    }

    public override void Kill()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
            _process = null;
        }

        if (process is null)
        {
            return;
        }

        var pid = process.Id;
        try
        {
            if (!process.HasExited)
            {
                _ = NativeMethods.kill(pid, NativeMethods.SigCont);
                _ = NativeMethods.kill(pid, NativeMethods.SigKill);
                if (!process.WaitForExit(5000))
                {
                    throw new InvalidOperationException($"redis-server pid {pid} did not exit within 5 s of SIGKILL.");
                }
            }
        }
        finally
        {
            process.Dispose();
            ProcessRegistry.Forget(pid);
        }
    }

    public override void SetPaused(bool paused)
    {
        lock (_gate)
        {
            var process = _process is { HasExited: false } p ? p : throw new InvalidOperationException($"redis-server on port {Port} is not running.");
            var signal = paused ? NativeMethods.SigStop : NativeMethods.SigCont;
            if (NativeMethods.kill(process.Id, signal) != 0)
            {
                throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
    }

    public override void Dispose()
    {
        try
        {
            Kill();
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover temp directory is harmless.
            }
        }
    }

    public override string ToString() => $"redis-server 127.0.0.1:{Port} (pid {Pid})";

    private static async Task<bool> LoggedReadyAsync(string log, long from, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= from)
            {
                return false;
            }

            stream.Seek(from, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            return text.Contains("Ready to accept connections", StringComparison.Ordinal);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether a server on <paramref name="port"/> answers PING (or asks for a password: it is up).</summary>
    /// <param name="port">The port.</param>
    /// <param name="security">The node's TLS settings (the probe then speaks TLS), or null.</param>
    /// <returns><see langword="true"/> when it answers.</returns>
    internal static async Task<bool> AnswersAsync(int port, NodeSecurity? security = null)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token).ConfigureAwait(false);
            Stream stream = client.GetStream();
            await using var tls = security?.Tls is null ? null : new SslStream(stream, leaveInnerStreamOpen: false);
            if (tls is not null)
            {
                var authentication = new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    // A readiness probe of a server this process started: whether it is up, not whom to trust.
                    RemoteCertificateValidationCallback = static (_, _, _, _) => true,
                    ClientCertificates = security!.ClientCertificate is { } certificate ? [certificate] : null,
                };
                await tls.AuthenticateAsClientAsync(authentication, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            // "-LOADING" while the data loads: not ready yet.
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            return false;
        }
    }

    private IEnumerable<string> Arguments(string log)
    {
        if (_security?.Tls is { } tls)
        {
            yield return "--port";
            yield return "0";
            yield return "--tls-port";
            yield return Port.ToString(CultureInfo.InvariantCulture);
            yield return "--tls-cert-file";
            yield return tls.ServerCertificatePath;
            yield return "--tls-key-file";
            yield return tls.ServerKeyPath;
            yield return "--tls-ca-cert-file";
            yield return tls.CaCertificatePath;
            yield return "--tls-auth-clients";
            yield return _security.RequireClientCertificate ? "yes" : "no";
        }
        else
        {
            yield return "--port";
            yield return Port.ToString(CultureInfo.InvariantCulture);
        }

        if (_security?.AclFileText is not null)
        {
            yield return "--aclfile";
            yield return AclFile;
        }

        yield return "--bind";
        yield return "127.0.0.1";
        yield return "--daemonize";
        yield return "no";
        yield return "--dir";
        yield return _directory;
        yield return "--dbfilename";
        yield return "dump.rdb";
        yield return "--logfile";
        yield return log;
        yield return "--save";
        yield return string.Empty;
        yield return "--appendonly";
        yield return _persistence ? "yes" : "no";
        if (_persistence)
        {
            yield return "--appendfsync";
            yield return "always";
        }

        if (_cluster is { } cluster)
        {
            foreach (var argument in ClusterArguments(cluster))
            {
                yield return argument;
            }
        }

        foreach (var argument in _arguments)
        {
            yield return argument;
        }
    }

    private IEnumerable<string> ClusterArguments(ClusterSettings cluster)
    {
        string[] arguments =
        [
            "--cluster-enabled", "yes",
            "--cluster-config-file", NodesFile,
            "--cluster-node-timeout", ((long)cluster.NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "--cluster-port", cluster.BusPort.ToString(CultureInfo.InvariantCulture),
            // Clients learn every shard's address from the cluster (CLUSTER SLOTS/NODES, MOVED, ASK): the proxy's.
            "--cluster-announce-ip", "127.0.0.1",
            "--cluster-announce-port", cluster.AnnouncePort.ToString(CultureInfo.InvariantCulture),
            "--cluster-announce-bus-port", cluster.BusPort.ToString(CultureInfo.InvariantCulture),
            // A shard that is down takes only its own slots down, not the whole replica.
            "--cluster-require-full-coverage", "no",
            // Replicas stay with their own shard, and may always take over (however stale): tests decide what happens.
            "--cluster-allow-replica-migration", "no",
            "--cluster-replica-validity-factor", "0",
            // A new replica syncs at once, not after the default 5 s wait for more replicas.
            "--repl-diskless-sync-delay", "0",
        ];
        foreach (var argument in arguments)
        {
            yield return argument;
        }

        if (cluster.Password is { } password)
        {
            yield return "--masterauth";
            yield return password;
        }
    }

    private void DeleteData()
    {
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            // nodes.conf survives: a node that lost its data is still the same cluster member, owning the same slots.
            if (!file.EndsWith("redis.log", StringComparison.Ordinal) && !(_cluster is not null && file == NodesFile))
            {
                File.Delete(file);
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(_directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private void DeleteAppendOnlyFiles()
    {
        foreach (var file in Directory.EnumerateFiles(_directory, "appendonly*"))
        {
            File.Delete(file);
        }

        foreach (var directory in Directory.EnumerateDirectories(_directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private void KillQuietly()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
