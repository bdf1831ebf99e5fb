using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace AnarchoRedis.Generators.Tests.Infrastructure;

/// <summary>
/// Snapshot assertions after Verify's conventions: <c>Snapshots/{Class}.{Test}.{name}.verified.{ext}</c> are
/// committed; a mismatch writes <c>.received.</c> beside it (git-ignored) and fails with a diff.
/// <c>ANARCHOREDIS_ACCEPT_SNAPSHOTS=1</c> accepts the received output. A missing snapshot fails under CI and is
/// otherwise written (and still fails) so a first local run creates it for review.
/// </summary>
internal static class Snapshot
{
    /// <summary>Snapshots a whole driver run: every generated file plus the diagnostics (when there are any).</summary>
    public static void VerifyRun(GeneratorDriverRunResult result, [CallerMemberName] string test = "", [CallerFilePath] string file = "")
    {
        var files = result.GeneratedTrees
            .OrderBy(t => Path.GetFileName(t.FilePath), StringComparer.Ordinal)
            .Select(t => (Path.GetFileNameWithoutExtension(t.FilePath), ".cs", t.GetText().ToString()))
            .ToList();
        var diagnostics = GeneratorHarness.GeneratorDiagnostics(result);
        if (diagnostics.Count > 0)
        {
            files.Add(("diagnostics", ".txt", string.Concat(diagnostics.Select(d => Describe(d) + "\n"))));
        }

        Verify(files, test, file);
    }

    public static void VerifySource(string name, string text, [CallerMemberName] string test = "", [CallerFilePath] string file = "") =>
        Verify(new[] { (name, ".cs", text) }, test, file);

    public static string Describe(Diagnostic d)
    {
        var span = d.Location.GetLineSpan();
        var where = d.Location.Kind != LocationKind.None
            ? $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}-{span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1})"
            : "(no location)";
        return $"{d.Id} {d.Severity} {where}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static void Verify(IEnumerable<(string Name, string Extension, string Text)> files, string test, string callerFile) =>
        Verify(
            files,
            test,
            callerFile,
            accept: Environment.GetEnvironmentVariable("ANARCHOREDIS_ACCEPT_SNAPSHOTS") == "1",
            underCi: !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")));

    /// <summary>The comparison itself; the modes are parameters so the helper's own tests need not touch process-wide variables.</summary>
    internal static void Verify(IEnumerable<(string Name, string Extension, string Text)> files, string test, string callerFile, bool accept, bool underCi)
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        var prefix = Path.GetFileNameWithoutExtension(callerFile) + "." + test + ".";
        var failures = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (name, extension, rawText) in files)
        {
            var text = rawText.Replace("\r\n", "\n", StringComparison.Ordinal);
            var verified = Path.Combine(directory, prefix + name + ".verified" + extension);
            var received = Path.Combine(directory, prefix + name + ".received" + extension);
            expected.Add(Path.GetFileName(verified));
            if (accept)
            {
                File.WriteAllText(verified, text);
                File.Delete(received);
                continue;
            }

            if (!File.Exists(verified))
            {
                if (underCi)
                {
                    failures.Add($"Missing snapshot {Path.GetFileName(verified)} (CI is set, so it is not created).");
                }
                else
                {
                    File.WriteAllText(verified, text);
                    failures.Add($"Created snapshot {Path.GetFileName(verified)}; review it and run again.");
                }

                continue;
            }

            var existing = File.ReadAllText(verified).Replace("\r\n", "\n", StringComparison.Ordinal);
            if (existing == text)
            {
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, text);
            failures.Add($"{Path.GetFileName(verified)} differs (received file written):\n{LineDiff.Render(existing, text)}");
        }

        // A verified file the run no longer produces is a stale expectation, not a pass.
        foreach (var stale in Directory.GetFiles(directory, prefix + "*.verified.*").Select(Path.GetFileName))
        {
            if (!expected.Contains(stale!))
            {
                if (accept)
                {
                    File.Delete(Path.Combine(directory, stale!));
                }
                else
                {
                    failures.Add($"{stale} was not produced by this run.");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join("\n\n", failures) + "\n\nSet ANARCHOREDIS_ACCEPT_SNAPSHOTS=1 to accept.");
        }
    }
}

/// <summary>A small line diff (longest common subsequence) for snapshot failures; files here are a few hundred lines.</summary>
internal static class LineDiff
{
    public static string Render(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var output = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Removed lines first, then added ones, as in a unified diff.
                output.Append("- ").Append(a[x++]).Append('\n');
            }
            else
            {
                output.Append("+ ").Append(b[y++]).Append('\n');
            }
        }

        return output.ToString();
    }
}
