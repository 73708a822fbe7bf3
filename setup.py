"""Packaging for codegan: every setting is read from settings.ini (nbdev 2's single source of truth)."""
from configparser import ConfigParser
import setuptools

cfg_all = ConfigParser()
cfg_all.read('settings.ini')
cfg = cfg_all['DEFAULT']

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))

requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
widgets_requirements = cfg.get('widgets_requirements', '').split()
console_scripts = [s.strip() for s in cfg.get('console_scripts', '').splitlines() if s.strip()]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    author=cfg['author'],
    author_email=cfg['author_email'],
    license=lic[0],
    url=cfg['git_url'],
    keywords=cfg['keywords'],
    classifiers=[f"Development Status :: {statuses[int(cfg['status'])]}",
                 f"Intended Audience :: {cfg['audience'].title()}",
                 f"Natural Language :: {cfg['language'].title()}",
                 'Programming Language :: Python :: 3'] + ([f'License :: {lic[1]}'] if lic[1] else []),
    packages=setuptools.find_packages(include=['codegan', 'codegan.*']),
    include_package_data=True,
    package_data={'codegan': ['configs/*.yml']},
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'widgets': widgets_requirements},
    python_requires='>=' + cfg['min_python'],
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
