"""Assessment (考核): the 100-point ledger of findings, quarterly grades (优胜 / 达标 / 一般
窗口), service stars. Built in issue 7."""
