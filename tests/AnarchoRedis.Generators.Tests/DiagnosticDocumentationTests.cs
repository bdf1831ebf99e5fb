using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using AnarchoRedis.Generators.Diagnostics;
using Xunit;

namespace AnarchoRedis.Generators.Tests;

/// <summary>Every rule is documented and tracked for release, and the numbering has no holes or reuse.</summary>
public sealed class DiagnosticDocumentationTests
{
    [Fact]
    public void EveryRuleHasADocPageAndAReleaseEntry()
    {
        var root = RepositoryRoot();
        var releases = File.ReadAllText(Path.Combine(root, "src", "AnarchoRedis.Generators", "Diagnostics", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "src", "AnarchoRedis.Generators", "Diagnostics", "AnalyzerReleases.Shipped.md"));
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            var page = Path.Combine(root, "docs", "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), page);
            Assert.StartsWith("# " + d.Id + ": " + d.Title, File.ReadAllText(page), System.StringComparison.Ordinal);
            Assert.Contains(d.Id + " | AnarchoRedis | Error |", releases, System.StringComparison.Ordinal);
        });
    }

    [Fact]
    public void IdsAreConsecutiveFromAnr001() =>
        Assert.Equal(
            Enumerable.Range(1, DiagnosticDescriptors.All.Count).Select(i => "ANR" + i.ToString("000", System.Globalization.CultureInfo.InvariantCulture)),
            DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(id => id, System.StringComparer.Ordinal));

    private static string RepositoryRoot([CallerFilePath] string file = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, "..", ".."));
}
