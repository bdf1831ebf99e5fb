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
    /// as an application binds them; nodes from <c>--node</c>, else ANARCHO_NODES, else that section; the command line's
    /// credentials and TLS over the section's <see cref="AnarchoRedisOptions.Connection"/>. Hints are off and epochs are
    /// never written (<see cref="NodeHealthOptions.WriteEpochs"/>): the tool writes only through repairs.
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
        options.Nodes = nodes.ToList();
        // Access applies to every node, over what the configuration gave (a user or password in a node's string wins).
        var connection = options.Connection;
        connection.User = settings.User ?? connection.User;
        connection.Password = settings.Password ?? environment("ANARCHO_PASSWORD") ?? connection.Password;
        connection.Tls |= settings.Tls || settings.TlsCa is not null || settings.TlsCertificate is not null;
        connection.TlsHost = settings.TlsHost ?? connection.TlsHost;
        connection.TrustedCaCertificatePath = settings.TlsCa ?? connection.TrustedCaCertificatePath;
        connection.ClientCertificatePath = settings.TlsCertificate ?? connection.ClientCertificatePath;
        connection.ClientKeyPath = settings.TlsKey ?? connection.ClientKeyPath;
        if (options.Nodes.Count == 0)
        {
            throw new UsageException("No nodes: give --node host:port once per node, or ANARCHO_NODES, or AnarchoRedis:Nodes in --config.");
        }

        var timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        options.NodeTimeout = timeout;
        options.ConnectTimeout = timeout;
        options.Hints.Enabled = false;
        // An observer: it may see only some nodes, or other options than the application's, so it never creates an
        // epoch (a wiped node would be called ready) and never sets a node ready after its pass.
        options.Health.WriteEpochs = false;
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
}

/// <summary>The command line or the configuration is wrong: printed, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
