using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;

namespace AnarchoRedis.Tool;

/// <summary>The command line, the environment and a configuration file, turned into a connected client.</summary>
internal sealed class NodeConnector(Func<string, string?> environment)
{
    /// <summary>
    /// The options: the "AnarchoRedis" section of <c>--config</c> (or ANARCHO_CONFIG) and of the process environment,
    /// as an application binds them; nodes from <c>--node</c>, else ANARCHO_NODES, else that section; credentials and
    /// TLS added to every node. Hints are off: the tool writes only through repairs.
    /// </summary>
    /// <exception cref="UsageException">No node was given, or the configuration file is missing or unreadable.</exception>
    public AnarchoRedisOptions BuildOptions(ToolSettings settings)
    {
        var options = new AnarchoRedisOptions();
        var builder = new ConfigurationBuilder();
        var file = settings.ConfigFile ?? environment("ANARCHO_CONFIG");
        if (!string.IsNullOrEmpty(file))
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new UsageException($"The configuration file '{path}' does not exist.");
            }

            builder.AddJsonFile(path, optional: false);
        }

        builder.AddEnvironmentVariables();
        try
        {
            builder.Build().GetSection("AnarchoRedis").Bind(options);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new UsageException("The configuration could not be read: " + ex.Message);
        }

        IEnumerable<string> nodes = settings.Nodes.Length > 0
            ? settings.Nodes
            : environment("ANARCHO_NODES") is { Length: > 0 } fromEnvironment
                ? fromEnvironment.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : options.Nodes;
        var password = settings.Password ?? environment("ANARCHO_PASSWORD");
        options.Nodes = nodes.Select(node => WithAccess(node, settings.User, password, settings.Tls)).ToList();
        if (options.Nodes.Count == 0)
        {
            throw new UsageException("No nodes: give --node host:port once per node, or ANARCHO_NODES, or AnarchoRedis:Nodes in --config.");
        }

        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        options.NodeTimeout = timeout;
        options.ConnectTimeout = timeout;
        options.Hints.Enabled = false;
        return options;
    }

    /// <summary>Connects (every node at once, each waiting at most the timeout); nodes that do not answer are reported by the commands.</summary>
    public async Task<AnarchoRedisClient> ConnectAsync(ToolSettings settings, CancellationToken cancellationToken)
    {
        var options = BuildOptions(settings);
        try
        {
            return await AnarchoRedisClient.ConnectAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // Invalid options (AnarchoRedisOptionsValidator) or a node string StackExchange.Redis cannot parse.
            throw new UsageException(ex.Message);
        }
    }

    private static string WithAccess(string node, string? user, string? password, bool tls)
    {
        var parts = new List<string> { node };
        if (!string.IsNullOrEmpty(user))
        {
            parts.Add("user=" + user);
        }

        if (!string.IsNullOrEmpty(password))
        {
            parts.Add("password=" + password);
        }

        if (tls)
        {
            parts.Add("ssl=true");
        }

        return string.Join(',', parts);
    }
}

/// <summary>The command line or the configuration is wrong: printed, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
