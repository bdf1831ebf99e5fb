using System;
using System.Collections.Generic;
using System.IO;

namespace AnarchoRedis.Testing.Processes;

/// <summary>Finds <c>redis-server</c> and fails with install advice when it is missing.</summary>
internal static class RedisServerBinary
{
    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>The binary to run: <paramref name="configured"/> when given, else the one found on this machine.</summary>
    /// <param name="configured">An explicit path, or <see langword="null"/>.</param>
    /// <returns>The path.</returns>
    /// <exception cref="InvalidOperationException">No redis-server was found.</exception>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"redis-server was not found at '{configured}' (LocalClusterOptions.RedisServerPath).");
        }

        return Found.Value ?? throw new InvalidOperationException(
            "redis-server was not found (looked in $REDIS_SERVER, $PATH, /usr/bin, /usr/local/bin). Install it with " +
            "'apt-get update && apt-get install -y redis-server', set LocalClusterOptions.RedisServerPath, or use LocalNodeBackend.Garnet.");
    }

    private static string? Find()
    {
        var configured = Environment.GetEnvironmentVariable("REDIS_SERVER");
        if (!string.IsNullOrEmpty(configured) && File.Exists(configured))
        {
            return configured;
        }

        var paths = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var directory in new List<string>(paths) { "/usr/bin", "/usr/local/bin", "/usr/sbin" })
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
